using Keel.Budgets;
using Keel.Oversight;
using Keel.Storage;
using Keel.Tasks;
using Keel.Usage;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>Human time recorded through the SDK is priced at the customer's hourly rate into the task's cost.</summary>
public sealed class OversightTests
{
    [Fact]
    public async Task Ten_minutes_at_ninety_dollars_an_hour_add_fifteen_dollars_to_the_task()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        await temp.Store.SetHumanRateAsync(acme.Id, 90m, ct);
        using var ledger = new BudgetLedger(temp.Store);
        var runtime = BudgetRuntime.Create(temp, ledger);
        var started = new DateTimeOffset(2026, 6, 1, 10, 0, 0, TimeSpan.Zero);

        var task = await runtime.RunAsync(new DelegateAgent("support", async (context, token) =>
        {
            await context.RecordInterventionAsync("ann", InterventionKind.Approval, "approved", started, started.AddSeconds(600), cancellationToken: token);
            await context.ReportOutcomeAsync(TaskOutcome.Success, 12.5m, token);
            return "refunded";
        }), "refund order 42", acme.Id, cancellationToken: ct);

        Assert.Equal(AgentTaskStatus.Succeeded, task.Status);
        var summary = await temp.Store.GetTaskSummaryAsync(task.Id, ct);
        Assert.Equal(15m, summary!.CostUsd);
        Assert.Equal(TaskOutcome.Success, summary.Task.Outcome);
        Assert.Equal(12.5m, summary.Task.OutcomeValue);
        var usage = Assert.Single(await temp.Store.GetUsageAsync(task.Id, ct));
        Assert.Equal(UsageKind.Human, usage.Kind);
        Assert.Equal(600m, usage.Quantity);
        Assert.Equal(15m, usage.CostUsd);
        var intervention = Assert.Single(await temp.Store.GetInterventionsAsync(task.Id, ct));
        Assert.Equal("ann", intervention.Actor);
        Assert.Equal(InterventionKind.Approval, intervention.Kind);
        Assert.Equal("approved", intervention.Decision);
        Assert.Equal(600, intervention.Seconds);
        var row = Assert.Single(await temp.Store.CostReportAsync(CostGrouping.Task, DateTimeOffset.MinValue, ct));
        Assert.Equal(15m, row.HumanUsd);
        Assert.Equal(600, row.HumanSeconds);
        Assert.Equal(1, row.SuccessfulOutcomes);
    }

    [Fact]
    public async Task Without_a_rate_human_time_is_priced_at_the_default()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        using var ledger = new BudgetLedger(temp.Store);
        var started = DateTimeOffset.UtcNow;

        var task = await BudgetRuntime.Create(temp, ledger).RunAsync(new DelegateAgent("support", async (context, token) =>
        {
            await context.RecordInterventionAsync("bob", InterventionKind.Review, null, started, started.AddMinutes(30), cancellationToken: token);
            return "ok";
        }), "review", acme.Id, cancellationToken: ct);

        Assert.Equal(HumanRates.DefaultUsdPerHour / 2, (await temp.Store.GetTaskSummaryAsync(task.Id, ct))!.CostUsd);
    }
}
