using Keel.Oversight;
using Keel.Pricing;
using Keel.Samples.Demo;
using Keel.Samples.Research;
using Keel.Tasks;
using Keel.Usage;

using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>The demo workload on a real store: faults injected at the demo's rates must show up as retries and fallbacks.</summary>
public sealed class DemoRunTests
{
    [Fact]
    public async Task Injected_faults_produce_retries_and_fallbacks_and_every_event_is_priced()
    {
        await using var temp = await TempStore.CreateAsync();

        var run = await new DemoRunner(temp.Store, PriceTable.Default).RunAsync(tasks: 30, seed: 42, concurrency: 30, cancellationToken: TestContext.Current.CancellationToken);
        var summary = await DemoSummary.FromStoreAsync(temp.Store, run, temp.Store.Path, TestContext.Current.CancellationToken);

        Assert.Equal(30, summary.Tasks);
        Assert.Equal(30, summary.Succeeded + summary.Failed);
        Assert.True(summary.Retries > 0, "faults at the demo's rates must cause retries");
        Assert.True(summary.Fallbacks > 0, "research prompts outgrow the small window and must fall back");

        decimal usageTotal = 0;
        foreach (var id in run.TaskIds)
        {
            var usage = await temp.Store.GetUsageAsync(id, TestContext.Current.CancellationToken);
            foreach (var e in usage)
            {
                // Model usage is priced from the price table, paid tools at their per-call cost, human oversight at the
                // customer's hourly rate.
                var expected = e.Kind switch
                {
                    UsageKind.Human => HumanRates.Cost((double)e.Quantity, await temp.Store.HumanRateAsync(e.CustomerId, TestContext.Current.CancellationToken)),
                    UsageKind.Tool => ResearchTools.SearchCostUsd,
                    _ => PriceTable.Default.Cost(e.Resource, e.InputTokens, e.CachedInputTokens, e.OutputTokens),
                };
                Assert.Equal(expected, e.CostUsd);
                Assert.True(e.CostUsd > 0, $"usage {e.IdempotencyKey} was recorded at $0");
            }

            usageTotal += usage.Sum(e => e.CostUsd);
        }

        Assert.Equal(usageTotal, summary.CostUsd);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_task_outcomes()
    {
        async Task<string[]> OutcomesAsync()
        {
            await using var temp = await TempStore.CreateAsync();
            var run = await new DemoRunner(temp.Store, PriceTable.Default).RunAsync(tasks: 9, seed: 5, concurrency: 1, simulateLatency: false, cancellationToken: TestContext.Current.CancellationToken);
            var outcomes = new List<string>();
            foreach (var id in run.TaskIds)
            {
                var summary = await temp.Store.GetTaskSummaryAsync(id, TestContext.Current.CancellationToken);
                outcomes.Add($"{summary!.Task.Agent}:{summary.Task.Status}:{summary.Steps}:{summary.InputTokens}:{summary.OutputTokens}");
            }

            return [.. outcomes];
        }

        Assert.Equal(await OutcomesAsync(), await OutcomesAsync());
    }

    [Fact]
    public async Task Support_tasks_fail_on_a_declined_payment_with_the_failing_tool_step_journaled()
    {
        await using var temp = await TempStore.CreateAsync();

        var run = await new DemoRunner(temp.Store, PriceTable.Default).RunAsync(tasks: 50, seed: 42, concurrency: 50, cancellationToken: TestContext.Current.CancellationToken);

        var failed = await temp.Store.ListTasksAsync(new TaskQuery { Status = AgentTaskStatus.Failed }, TestContext.Current.CancellationToken);
        Assert.NotEmpty(failed);
        var declined = failed.First(t => t.Task.Error!.Contains("declined", StringComparison.Ordinal));
        var steps = await temp.Store.GetStepsAsync(declined.Task.Id, TestContext.Current.CancellationToken);
        Assert.Equal("draft_refund", steps[^1].Name);
        Assert.Equal(Journal.StepStatus.Failed, steps[^1].Status);
        Assert.Equal(50, run.TaskIds.Count);
    }
}
