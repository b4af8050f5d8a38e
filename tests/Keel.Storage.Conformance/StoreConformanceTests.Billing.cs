using Keel.Billing;
using Keel.Oversight;
using Keel.Tasks;
using Xunit;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    private static readonly DateTimeOffset March = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset April = new(2025, 4, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task AddBillableEventAsync_TwentyConcurrentDuplicates_StoresOneAndReturnsItToAll()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var submissions = Enumerable.Range(0, 20)
            .Select(i => Task.Run(async () => await Store.AddBillableEventAsync(
                BillingEvent(customer.Id, "ticket-42", id: $"evt_{i}", quantity: 3m, value: 12.50m), Ct), Ct))
            .ToArray();

        var writes = await Task.WhenAll(submissions);

        Assert.Single(writes, w => w.Created);
        Assert.Single(writes.Select(w => w.Event.Id).Distinct());
        var stored = Assert.Single(await Store.ListBillableEventsAsync(new BillableEventQuery(customer.Id), Ct));
        Assert.Equal(writes[0].Event.Id, stored.Id);
        Assert.Equal(3m, stored.Quantity);
        Assert.Equal(12.50m, stored.Value);
    }

    [Fact]
    public async Task AddBillableEventAsync_SameKeyOtherPayload_IsAConflictAndStoresNothing()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var first = await Store.AddBillableEventAsync(BillingEvent(customer.Id, "k1", quantity: 1m), Ct);

        var conflict = await Assert.ThrowsAsync<BillableEventConflictException>(async () =>
            await Store.AddBillableEventAsync(BillingEvent(customer.Id, "k1", quantity: 2m), Ct));

        Assert.Equal(first.Event.Id, conflict.ExistingEventId);
        Assert.Single(await Store.ListBillableEventsAsync(new BillableEventQuery(customer.Id), Ct));
    }

    [Fact]
    public async Task AddBillableEventAsync_SameKeyOtherCustomer_IsAnotherEvent()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var globex = await Store.EnsureCustomerAsync("globex", Ct);

        Assert.True((await Store.AddBillableEventAsync(BillingEvent(acme.Id, "k1"), Ct)).Created);
        Assert.True((await Store.AddBillableEventAsync(BillingEvent(globex.Id, "k1"), Ct)).Created);
    }

    [Fact]
    public async Task AddBillableEventAsync_VoidOfAnotherCustomersEvent_IsRefused()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var globex = await Store.EnsureCustomerAsync("globex", Ct);
        var usage = (await Store.AddBillableEventAsync(BillingEvent(acme.Id, "k1"), Ct)).Event;

        await Assert.ThrowsAsync<StoreException>(async () => await Store.AddBillableEventAsync(
            BillingEvent(globex.Id, "void-k1") with { Kind = BillableEventKind.Void, TargetEventId = usage.Id }, Ct));
        var voided = await Store.AddBillableEventAsync(BillingEvent(acme.Id, "void-k1") with { Kind = BillableEventKind.Void, TargetEventId = usage.Id }, Ct);

        Assert.Equal(usage.Id, voided.Event.TargetEventId);
        Assert.Equal(2, (await Store.ListBillableEventsAsync(new BillableEventQuery(acme.Id), Ct)).Count);
    }

    [Fact]
    public async Task AddBillableEventsAsync_MovesTheCursorInTheSameTransaction()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        await Store.AddBillableEventsAsync([BillingEvent(customer.Id, "a"), BillingEvent(customer.Id, "b")], "tasks", 7, Ct);
        await Store.AddBillableEventsAsync([BillingEvent(customer.Id, "a")], "tasks", 5, Ct);

        Assert.Equal(7, await Store.GetBillingCursorAsync("tasks", Ct));
        Assert.Equal(0, await Store.GetBillingCursorAsync("other", Ct));
        Assert.Equal(2, (await Store.ListBillableEventsAsync(new BillableEventQuery(customer.Id), Ct)).Count);
    }

    [Fact]
    public async Task ReadTaskBillingChangesAsync_FeedsCreationEndAndOutcome_EachTaskOnceAtItsLatestState()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id, agent: "support");
        await Store.CreateTaskAsync(task, Ct);
        await Store.CommitStepAsync(new Journal.StepCommit
        {
            Step = StoreSamples.NewStep(task.Id, 1, 0.25m),
            Usage = [StoreSamples.NewUsage(customer.Id, task.Id, 1, 0.25m)],
            Task = task with { Status = AgentTaskStatus.Succeeded, EndedAt = StoreSamples.At(5_000) },
        }, Ct);
        var created = await Store.ReadTaskBillingChangesAsync(0, 1, Ct);
        await Store.SetOutcomeAsync(task.Id, TaskOutcome.Success, 40m, Ct);

        var all = await Store.ReadTaskBillingChangesAsync(0, 100, Ct);

        Assert.Equal(task.Id, Assert.Single(created).TaskId);
        var change = Assert.Single(all);
        Assert.Equal(3, change.Seq);
        Assert.Equal(AgentTaskStatus.Succeeded, change.Status);
        Assert.Equal(TaskOutcome.Success, change.Outcome);
        Assert.Equal(40m, change.OutcomeValue);
        Assert.Equal(0.25m, change.ModelCostUsd);
        Assert.Equal("support", change.Agent);
        Assert.Empty(await Store.ReadTaskBillingChangesAsync(change.Seq, 100, Ct));
    }

    [Fact]
    public async Task AddPlanVersionAsync_AVersionNeverChanges()
    {
        await Store.AddPlanVersionAsync(Plan("pro", 1, """{"v":1}"""), Ct);
        await Store.AddPlanVersionAsync(Plan("pro", 1, """{"v":1}"""), Ct);
        await Assert.ThrowsAsync<StoreException>(async () => await Store.AddPlanVersionAsync(Plan("pro", 1, """{"v":"changed"}"""), Ct));
        await Store.AddPlanVersionAsync(Plan("pro", 2, """{"v":2}"""), Ct);

        Assert.Equal("""{"v":1}""", (await Store.GetPlanAsync("pro", 1, Ct))?.Definition);
        Assert.Equal(2, (await Store.GetPlanAsync("pro", cancellationToken: Ct))?.Version);
        Assert.Equal(2, (await Store.ListPlansAsync(Ct)).Count);
    }

    [Fact]
    public async Task SubscribeAsync_PlanChangeEndsTheCurrentAtTheSameInstant_AndCancelEndsTheLast()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        await Store.AddPlanVersionAsync(Plan("basic", 1, "{}"), Ct);
        await Store.AddPlanVersionAsync(Plan("pro", 3, "{}"), Ct);
        var change = March.AddDays(10).AddHours(6);

        await Store.SubscribeAsync(customer.Id, "basic", 1, March, Ct);
        await Store.SubscribeAsync(customer.Id, "pro", 3, change, Ct);
        var cancelled = await Store.CancelSubscriptionAsync(customer.Id, April.AddDays(3), Ct);

        var subscriptions = await Store.ListSubscriptionsAsync(customer.Id, Ct);
        Assert.Equal(2, subscriptions.Count);
        Assert.Equal(("basic", 1, March, (DateTimeOffset?)change), (subscriptions[0].PlanId, subscriptions[0].PlanVersion, subscriptions[0].StartsAt, subscriptions[0].EndsAt));
        Assert.Equal(("pro", 3, change, (DateTimeOffset?)April.AddDays(3)), (subscriptions[1].PlanId, subscriptions[1].PlanVersion, subscriptions[1].StartsAt, subscriptions[1].EndsAt));
        Assert.Equal(April.AddDays(3), cancelled?.EndsAt);
        Assert.Null(await Store.CancelSubscriptionAsync(customer.Id, April.AddDays(20), Ct));
        await Assert.ThrowsAsync<StoreException>(async () => await Store.SubscribeAsync(customer.Id, "basic", 1, March.AddDays(-1), Ct));
        await Assert.ThrowsAsync<StoreException>(async () => await Store.SubscribeAsync(customer.Id, "basic", 9, April.AddDays(5), Ct));
    }

    [Fact]
    public async Task EnsureBillingAccountAsync_KeepsTheCurrency()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);

        await Store.EnsureBillingAccountAsync(customer.Id, "jpy", Ct);

        Assert.Equal("JPY", (await Store.GetBillingAccountAsync(customer.Id, Ct))?.Currency);
        Assert.Single(await Store.ListBillingAccountsAsync(Ct));
    }

    [Fact]
    public async Task SaveDraftInvoiceAsync_ReplacesTheDraftOfThePeriod_AmountsExactly()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var first = await Store.SaveDraftInvoiceAsync(Draft(customer.Id, "inv_a", 10m), Ct);

        var second = await Store.SaveDraftInvoiceAsync(Draft(customer.Id, "inv_b", 0.0000000001m) with
        {
            Lines = [Line(1, 0.0000000001m, 0.00m), Line(2, 12.345m, 12.35m)],
        }, Ct);

        Assert.Equal(first.Id, second.Id);
        var stored = await Store.GetInvoiceAsync(first.Id, Ct);
        Assert.NotNull(stored);
        Assert.Equal(InvoiceStatus.Draft, stored.Status);
        Assert.Null(stored.Number);
        Assert.Equal([0.0000000001m, 12.345m], stored.Lines.Select(l => l.UnroundedAmount));
        Assert.Equal("0.00", stored.Lines[0].Amount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0.0000000001m, stored.UnroundedTotal);
        Assert.Single(await Store.ListInvoicesAsync(customer.Id, Ct));
    }

    [Fact]
    public async Task FinalizeInvoiceAsync_StampsItsEvents_AndTheInvoiceRefusesAnyChange()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var billed = (await Store.AddBillableEventAsync(BillingEvent(customer.Id, "k1"), Ct)).Event;
        var draft = await Store.SaveDraftInvoiceAsync(Draft(customer.Id, "inv_a", 10m) with { EventIds = [billed.Id] }, Ct);

        var finalized = await Store.FinalizeInvoiceAsync(draft.Id, April, Ct);

        Assert.Equal(InvoiceStatus.Finalized, finalized.Status);
        Assert.Equal(1, finalized.Number);
        Assert.Equal("INV-000001", finalized.DisplayNumber);
        Assert.Equal(draft.Id, Assert.Single(await Store.ListBillableEventsAsync(new BillableEventQuery(customer.Id), Ct)).InvoiceId);
        await Assert.ThrowsAsync<InvoiceImmutableException>(async () => await Store.SaveDraftInvoiceAsync(Draft(customer.Id, draft.Id, 99m), Ct));
        await Assert.ThrowsAsync<InvoiceImmutableException>(async () => await Store.SaveDraftInvoiceAsync(Draft(customer.Id, "inv_other", 99m), Ct));
        await Assert.ThrowsAsync<InvoiceImmutableException>(async () => await Store.FinalizeInvoiceAsync(draft.Id, April, Ct));
        var unchanged = await Store.GetInvoiceAsync(draft.Id, Ct);
        Assert.Equal(10m, unchanged?.Total);
        Assert.Equal(finalized.Lines, unchanged?.Lines);
    }

    [Fact]
    public async Task VoidInvoiceAsync_KeepsTheNumber_UnstampsItsEvents_AndFreesThePeriod()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var billed = (await Store.AddBillableEventAsync(BillingEvent(customer.Id, "k1"), Ct)).Event;
        var draft = await Store.SaveDraftInvoiceAsync(Draft(customer.Id, "inv_a", 10m) with { EventIds = [billed.Id] }, Ct);
        await Store.FinalizeInvoiceAsync(draft.Id, April, Ct);

        var voided = await Store.VoidInvoiceAsync(draft.Id, April.AddDays(1), Ct);
        var replacement = await Store.SaveDraftInvoiceAsync(Draft(customer.Id, "inv_b", 8m), Ct);

        Assert.Equal((InvoiceStatus.Void, (long?)1), (voided.Status, voided.Number));
        Assert.Null(Assert.Single(await Store.ListBillableEventsAsync(new BillableEventQuery(customer.Id), Ct)).InvoiceId);
        Assert.Equal("inv_b", replacement.Id);
        await Assert.ThrowsAsync<InvoiceImmutableException>(async () => await Store.VoidInvoiceAsync(draft.Id, April, Ct));
        Assert.Equal(2, (await Store.FinalizeInvoiceAsync(replacement.Id, April, Ct)).Number);
    }

    [Fact]
    public async Task FinalizeInvoiceAsync_ConcurrentFinalizations_NumberWithoutGapsOrRepeats()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var drafts = new List<Invoice>();
        for (var month = 0; month < 12; month++)
        {
            var start = March.AddMonths(month);
            drafts.Add(await Store.SaveDraftInvoiceAsync(Draft(customer.Id, $"inv_{month}", month) with { PeriodStart = start, PeriodEnd = start.AddMonths(1) }, Ct));
        }

        // Each draft finalized twice at once: one of each pair wins, the other is refused, and no number is lost.
        var attempts = drafts.Concat(drafts).Select(d => Task.Run(async () =>
        {
            try
            {
                return (await Store.FinalizeInvoiceAsync(d.Id, April, Ct)).Number;
            }
            catch (InvoiceImmutableException)
            {
                return null;
            }
        }, Ct)).ToArray();
        var numbers = (await Task.WhenAll(attempts)).OfType<long>().Order().ToList();

        Assert.Equal(Enumerable.Range(1, 12).Select(n => (long)n), numbers);
        Assert.Equal(Enumerable.Range(1, 12).Select(n => (long?)n), (await Store.ListInvoicesAsync(customer.Id, Ct)).Select(i => i.Number).Order());
    }

    [Fact]
    public async Task AddCreditNoteAsync_NumbersWithoutGaps_OncePerSourceEvent_OnlyOnFinalizedInvoices()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var usage = (await Store.AddBillableEventAsync(BillingEvent(customer.Id, "k1"), Ct)).Event;
        var voided = (await Store.AddBillableEventAsync(BillingEvent(customer.Id, "void-k1") with { Kind = BillableEventKind.Void, TargetEventId = usage.Id }, Ct)).Event;
        var draft = await Store.SaveDraftInvoiceAsync(Draft(customer.Id, "inv_a", 10m), Ct);
        await Assert.ThrowsAsync<StoreException>(async () => await Store.AddCreditNoteAsync(Credit(customer.Id, draft.Id, "cn_0", null), Ct));
        await Store.FinalizeInvoiceAsync(draft.Id, April, Ct);

        var auto = await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            Task.Run(async () => await Store.AddCreditNoteAsync(Credit(customer.Id, draft.Id, $"cn_auto_{i}", voided.Id), Ct), Ct)));
        var manual = await Store.AddCreditNoteAsync(Credit(customer.Id, draft.Id, "cn_manual", null), Ct);

        Assert.Single(auto.Select(n => n.Id).Distinct());
        Assert.Equal(1, auto[0].Number);
        Assert.Equal("CN-000002", manual.DisplayNumber);
        var notes = await Store.ListCreditNotesAsync(customer.Id, Ct);
        Assert.Equal([1L, 2L], notes.Select(n => n.Number));
        Assert.Equal(2.5m, notes[0].Lines[0].UnroundedAmount);
    }

    [Fact]
    public async Task BillingCostsAsync_SumsModelToolAndHumanCostPerCustomerAndAgent_InTheWindow()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id, agent: "support");
        await Store.CreateTaskAsync(task, Ct);
        await Store.CommitStepAsync(new Journal.StepCommit
        {
            Step = StoreSamples.NewStep(task.Id, 1, 0.3m),
            Usage =
            [
                StoreSamples.NewUsage(customer.Id, task.Id, 1, 0.1m, key: "m"),
                StoreSamples.NewUsage(customer.Id, task.Id, 1, 0.2m, key: "t") with { Kind = Usage.UsageKind.Tool, Resource = "search" },
                StoreSamples.NewUsage(customer.Id, task.Id, 1, 5m, key: "late") with { CreatedAt = StoreSamples.At(0).AddDays(40) },
            ],
        }, Ct);

        var rows = await Store.BillingCostsAsync(StoreSamples.Epoch, StoreSamples.Epoch.AddDays(1), cancellationToken: Ct);

        var row = Assert.Single(rows);
        Assert.Equal((customer.Id, "support", 0.1m, 0.2m, 0m), (row.CustomerId, row.Agent, row.ModelUsd, row.ToolUsd, row.HumanUsd));
    }

    private static BillableEvent BillingEvent(string customerId, string key, string? id = null, decimal quantity = 1m, decimal? value = null) => new()
    {
        Id = id ?? KeelIds.New("bev"),
        CustomerId = customerId,
        IdempotencyKey = key,
        Metric = "tickets.resolved",
        Quantity = quantity,
        Value = value,
        Timestamp = March.AddDays(2),
    };

    private static StoredPlan Plan(string id, int version, string definition) => new(id, version, id, "USD", definition, default);

    private static InvoiceLine Line(int seq, decimal unrounded, decimal amount) =>
        new(seq, "per_ticket", "Resolved tickets", "tickets.resolved", 3m, 4.115m, unrounded, amount, "[]", "pro", 1);

    private static Invoice Draft(string customerId, string id, decimal total) => new()
    {
        Id = id,
        CustomerId = customerId,
        PeriodStart = March,
        PeriodEnd = April,
        Currency = "USD",
        PlanVersions = ["pro@1"],
        Lines = [Line(1, total, total)],
        UnroundedTotal = total,
        Total = total,
    };

    private static CreditNote Credit(string customerId, string invoiceId, string id, string? sourceEventId) => new()
    {
        Id = id,
        CustomerId = customerId,
        InvoiceId = invoiceId,
        SourceEventId = sourceEventId,
        Reason = "outcome reversed",
        Currency = "USD",
        Lines = [new CreditNoteLine(1, "per_ticket", "Resolved tickets", "tickets.resolved", 1m, 2.5m, 2.50m)],
        UnroundedTotal = 2.5m,
        Total = 2.50m,
    };
}
