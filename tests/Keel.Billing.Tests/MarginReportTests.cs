using Keel.Billing.Plans;
using Keel.Oversight;
using Xunit;

namespace Keel.Billing.Tests;

public sealed class MarginReportTests
{
    private static readonly DateTimeOffset April = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Plan Plan => new("outcomes", 1, "Outcomes", "USD",
    [
        new PriceComponent("per_success", "Successful outcomes", BillableMetrics.OutcomeSuccess, new PerUnit(5m)),
        new PriceComponent("platform", "Platform fee", "", new Flat(9m)),
    ]);

    [Fact]
    public async Task MarginAsync_RevenueByEventsAgent_AgainstRecordedCost_HandComputed()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", Plan, April, Ct);
        var support1 = await h.TaskAsync(customer, "support", April.AddDays(1), modelCostUsd: 0.50m, cancellationToken: Ct);
        var support2 = await h.TaskAsync(customer, "support", April.AddDays(2), modelCostUsd: 0.50m, cancellationToken: Ct);
        var sales = await h.TaskAsync(customer, "sales", April.AddDays(3), modelCostUsd: 1.00m, humanCostUsd: 2.00m, cancellationToken: Ct);
        foreach (var task in new[] { support1, support2, sales })
        {
            await h.OutcomeAsync(task, TaskOutcome.Success, null, April.AddDays(5), Ct);
        }

        await h.Billing.SyncFromTasksAsync(cancellationToken: Ct);
        await h.Billing.ComputeDraftAsync(customer, BillingPeriod.Month(2026, 4), Ct);

        var report = await h.Billing.MarginAsync(BillingPeriod.Month(2026, 4), cancellationToken: Ct);

        // Revenue 3 × 5.00 + 9.00 = 24.00; outcomes split support 10.00 / sales 5.00, the fee follows: 6.00 / 3.00.
        // Cost: support 2 × 0.50 = 1.00; sales 1.00 model + 2.00 human = 3.00. Margin 20.00 of 24.00; 20 / 3 per outcome.
        var all = Assert.Single(report.ByCustomer);
        Assert.Equal((24.00m, 2.00m, 0m, 2.00m, 20.00m, 3L), (all.Revenue, all.ModelCost, all.ToolCost, all.HumanCost, all.Margin, all.SuccessfulOutcomes));
        Assert.Equal(20m / 24m * 100m, all.MarginPercent);
        Assert.Equal(20m / 3m, all.MarginPerSuccessfulOutcome);
        var support = Assert.Single(report.ByAgent, r => r.Agent == "support");
        Assert.Equal((16.00m, 1.00m, 15.00m, 7.50m), (support.Revenue, support.Cost, support.Margin, support.MarginPerSuccessfulOutcome));
        var salesRow = Assert.Single(report.ByAgent, r => r.Agent == "sales");
        Assert.Equal((8.00m, 3.00m, 5.00m, 5.00m), (salesRow.Revenue, salesRow.Cost, salesRow.Margin, salesRow.MarginPerSuccessfulOutcome));
        var plan = Assert.Single(report.ByPlan);
        Assert.Equal(("outcomes", 24.00m, 4.00m), (plan.PlanId, plan.Revenue, plan.Cost));
    }
}
