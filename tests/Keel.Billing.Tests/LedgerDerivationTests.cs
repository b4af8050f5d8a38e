using Keel.Billing.Ledger;
using Keel.Billing.Plans;
using Keel.Oversight;
using Xunit;

namespace Keel.Billing.Tests;

public sealed class LedgerDerivationTests
{
    private static readonly DateTimeOffset April = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Plan AnyPlan => new("outcomes", 1, "Outcomes", "USD", [new PriceComponent("per_success", "Successful outcomes", BillableMetrics.OutcomeSuccess, new PerUnit(2m))]);

    [Fact]
    public async Task SyncFromTasksAsync_DerivesEachTaskEventOnce_AndASecondSyncAddsNothing()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", AnyPlan, April, Ct);
        var task = await h.TaskAsync(customer, "support", April.AddDays(2), modelCostUsd: 0.25m, cancellationToken: Ct);
        var failed = await h.TaskAsync(customer, "support", April.AddDays(3), succeeded: false, cancellationToken: Ct);
        await h.OutcomeAsync(task, TaskOutcome.Success, 40m, April.AddDays(4), Ct);

        var first = await h.Billing.SyncFromTasksAsync(cancellationToken: Ct);
        var second = await h.Billing.SyncFromTasksAsync(cancellationToken: Ct);

        var events = await h.Store.ListBillableEventsAsync(new BillableEventQuery(customer), Ct);
        Assert.Equal(
            [
                ($"task:{task}:started", BillableMetrics.TaskStarted, (decimal?)null, April.AddDays(2)),
                ($"task:{task}:completed", BillableMetrics.TaskCompleted, null, April.AddDays(2)),
                ($"task:{task}:model.cost", BillableMetrics.ModelCost, 0.25m, April.AddDays(2)),
                ($"task:{failed}:started", BillableMetrics.TaskStarted, null, April.AddDays(3)),
                ($"task:{task}:outcome.success", BillableMetrics.OutcomeSuccess, null, April.AddDays(4)),
                ($"task:{task}:outcome.value", BillableMetrics.OutcomeValue, 40m, April.AddDays(4)),
            ],
            events.OrderBy(e => e.Timestamp).ThenBy(e => e.Metric == BillableMetrics.TaskStarted ? 0 : e.Metric == BillableMetrics.TaskCompleted ? 1 : 2)
                .ThenBy(e => e.Metric, StringComparer.Ordinal)
                .Select(e => (e.IdempotencyKey, e.Metric, e.Value, e.Timestamp)));
        Assert.All(events, e => Assert.Equal(("support", BillableEventKind.Usage), (e.Agent, e.Kind)));
        Assert.Equal((2, 6), (first.Tasks, first.EventsAdded));
        Assert.Equal((0, 0), (second.Tasks, second.EventsAdded));
    }

    [Fact]
    public async Task TaskEventDeriver_SameStateAgainstItsOwnLedger_DerivesNothing()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", AnyPlan, April, Ct);
        var task = await h.TaskAsync(customer, "support", April.AddDays(2), modelCostUsd: 0.25m, cancellationToken: Ct);
        await h.OutcomeAsync(task, TaskOutcome.Success, 40m, April.AddDays(4), Ct);
        var change = Assert.Single(await h.Store.ReadTaskBillingChangesAsync(0, 100, Ct));
        await h.Billing.SyncFromTasksAsync(cancellationToken: Ct);

        var ledger = await h.Store.ListBillableEventsAsync(new BillableEventQuery(customer), Ct);

        Assert.Empty(TaskEventDeriver.Derive(change, ledger, () => Guid.NewGuid().ToString()));
    }

    [Fact]
    public async Task SyncFromTasksAsync_ConsumesTheTaskChangeFeed_KeepingOnlyChangesAfterIt()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", AnyPlan, April, Ct);
        await h.TaskAsync(customer, "support", April.AddDays(1), cancellationToken: Ct);
        await h.Billing.SyncFromTasksAsync(batchSize: 1, Ct);
        // Read from the feed's start: rows the sync consumed are gone, not merely skipped by its cursor.
        var afterSync = await h.Store.ReadTaskBillingChangesAsync(0, 100, Ct);
        var later = await h.TaskAsync(customer, "support", April.AddDays(2), cancellationToken: Ct);

        var pending = await h.Store.ReadTaskBillingChangesAsync(0, 100, Ct);

        Assert.Empty(afterSync);
        Assert.Equal(later, Assert.Single(pending).TaskId);
    }

    [Fact]
    public async Task SyncFromTasksAsync_InBatchesOfOne_ResumesFromItsCursorAndCountsTheSame()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", AnyPlan, April, Ct);
        for (var i = 0; i < 3; i++)
        {
            await h.TaskAsync(customer, "support", April.AddDays(i + 1), cancellationToken: Ct);
        }

        var first = await h.Billing.SyncFromTasksAsync(batchSize: 1, Ct);
        await h.TaskAsync(customer, "support", April.AddDays(9), cancellationToken: Ct);
        var second = await h.Billing.SyncFromTasksAsync(batchSize: 1, Ct);

        // Each task is two changes (created, ended): six one-change batches, then two.
        Assert.Equal((6, 6), (first.Tasks, first.EventsAdded));
        Assert.Equal((2, 2), (second.Tasks, second.EventsAdded));
        Assert.Equal(second.Cursor, await h.Store.GetBillingCursorAsync("tasks", Ct));
        Assert.Equal(8, (await h.Store.ListBillableEventsAsync(new BillableEventQuery(customer), Ct)).Count);
    }

    [Fact]
    public async Task SyncFromTasksAsync_OutcomeReversedToFailure_VoidsItsSuccessAndValueOnce_AndNetEventsDropThem()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", AnyPlan, April, Ct);
        var task = await h.TaskAsync(customer, "support", April.AddDays(2), cancellationToken: Ct);
        await h.OutcomeAsync(task, TaskOutcome.Success, 40m, April.AddDays(4), Ct);
        await h.Billing.SyncFromTasksAsync(cancellationToken: Ct);

        await h.OutcomeAsync(task, TaskOutcome.Failure, null, April.AddDays(6), Ct);
        var reversal = await h.Billing.SyncFromTasksAsync(cancellationToken: Ct);
        await h.Billing.SyncFromTasksAsync(cancellationToken: Ct);

        var events = await h.Store.ListBillableEventsAsync(new BillableEventQuery(customer), Ct);
        var voids = events.Where(e => e.Kind == BillableEventKind.Void).ToList();
        Assert.Equal(2, reversal.EventsAdded);
        Assert.Equal([BillableMetrics.OutcomeSuccess, BillableMetrics.OutcomeValue], voids.Select(v => v.Metric).Order(StringComparer.Ordinal));
        Assert.All(voids, v => Assert.Equal(EventKeys.Void(v.TargetEventId!), v.IdempotencyKey));
        Assert.Equal([BillableMetrics.TaskCompleted, BillableMetrics.TaskStarted],
            NetEventResolver.Resolve(events).Where(n => !n.Voided).Select(n => n.Usage.Metric).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task SyncFromTasksAsync_OutcomeBackToSuccess_ChargesItAgainUnderTheNextKey()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", AnyPlan, April, Ct);
        var task = await h.TaskAsync(customer, "support", April.AddDays(2), cancellationToken: Ct);
        await h.OutcomeAsync(task, TaskOutcome.Success, null, April.AddDays(4), Ct);
        await h.Billing.SyncFromTasksAsync(cancellationToken: Ct);
        await h.OutcomeAsync(task, TaskOutcome.Failure, null, April.AddDays(5), Ct);
        await h.Billing.SyncFromTasksAsync(cancellationToken: Ct);
        await h.OutcomeAsync(task, TaskOutcome.Success, null, April.AddDays(6), Ct);
        await h.Billing.SyncFromTasksAsync(cancellationToken: Ct);

        var live = NetEventResolver.Resolve(await h.Store.ListBillableEventsAsync(new BillableEventQuery(customer), Ct))
            .Where(n => !n.Voided && n.Usage.Metric == BillableMetrics.OutcomeSuccess);

        Assert.Equal($"task:{task}:outcome.success#2", Assert.Single(live).Usage.IdempotencyKey);
    }

    [Fact]
    public async Task SyncFromTasksAsync_OutcomeValueChangedBeforeBilling_IsACorrectionTheNetViewApplies()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", AnyPlan, April, Ct);
        var task = await h.TaskAsync(customer, "support", April.AddDays(2), cancellationToken: Ct);
        await h.OutcomeAsync(task, TaskOutcome.Success, 40m, April.AddDays(4), Ct);
        await h.Billing.SyncFromTasksAsync(cancellationToken: Ct);
        await h.OutcomeAsync(task, TaskOutcome.Success, 55.5m, April.AddDays(5), Ct);
        await h.Billing.SyncFromTasksAsync(cancellationToken: Ct);

        var events = await h.Store.ListBillableEventsAsync(new BillableEventQuery(customer), Ct);
        var value = Assert.Single(NetEventResolver.Resolve(events), n => n.Usage.Metric == BillableMetrics.OutcomeValue);

        Assert.Equal(55.5m, value.Value);
        Assert.Equal(40m, value.Usage.Value);
        Assert.Equal(2, value.SourceIds.Count);
        Assert.Single(events, e => e.Kind == BillableEventKind.Correction);
    }

    [Fact]
    public async Task RecordEventAsync_TwentyConcurrentDuplicates_CountOnce()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", AnyPlan, April, Ct);

        var writes = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            Task.Run(() => h.EventAsync(customer, "crm-ticket-7", "tickets.resolved", April.AddDays(3), cancellationToken: Ct), Ct)));

        Assert.Single(writes, w => w.Created);
        Assert.Single(await h.Store.ListBillableEventsAsync(new BillableEventQuery(customer), Ct));
    }
}
