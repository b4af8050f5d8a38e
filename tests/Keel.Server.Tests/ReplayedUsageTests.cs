using Keel.Budgets;
using Keel.Journal;
using Keel.Server.Recording;
using Keel.Server.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>Exactly-once counting at the gateway: a usage write that reaches the step queue again counts once.</summary>
public sealed class ReplayedUsageTests
{
    [Fact]
    public async Task A_gateway_calls_usage_replayed_through_the_step_writer_counts_once()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        await gateway.SetBudgetAsync(1.00m);
        var answer = await gateway.CompleteAsync(ChatBody.Of());
        await gateway.FlushAsync();
        var taskId = answer.Header("x-keel-task-id");
        var original = Assert.Single(await gateway.Store.GetUsageAsync(taskId, ct));
        var step = Assert.Single(await gateway.Store.GetStepsAsync(taskId, ct));
        var writer = gateway.App.Services.GetRequiredService<StepWriter>();

        // The same commit again (a retried write), and a later step that re-sends the usage with its own.
        await writer.EnqueueAsync(new StepCommit { Step = step, Usage = [original] });
        await writer.EnqueueAsync(new StepCommit { Step = step with { Seq = 2 }, Usage = [original with { StepSeq = 2 }] });
        await gateway.FlushAsync();

        Assert.Equal(original, Assert.Single(await gateway.Store.GetUsageAsync(taskId, ct)));
        Assert.Equal(original.CostUsd, await gateway.StoreSpentAsync());
        using var restarted = new BudgetLedger(gateway.Store);
        Assert.Equal(original.CostUsd, Assert.Single(await restarted.StatusAsync(ct)).SpentUsd);
    }
}
