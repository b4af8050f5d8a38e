using Keel.Billing.Plans;
using Xunit;

namespace Keel.Billing.Tests;

public sealed class InvoiceLifecycleTests
{
    private static readonly DateTimeOffset April = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset May = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly BillingPeriod AprilPeriod = BillingPeriod.Month(2026, 4);
    private static readonly BillingPeriod MayPeriod = BillingPeriod.Month(2026, 5);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The first two successful outcomes of a period at 5.00, every further one at 3.00.
    private static Plan Tiered => new("outcomes", 1, "Outcomes", "USD",
    [
        new PriceComponent("per_success", "Successful outcomes", BillableMetrics.OutcomeSuccess, new Graduated([new PriceTier(2, 5m), new PriceTier(null, 3m)])),
    ]);

    [Fact]
    public async Task ComputeDraftAsync_Recomputed_GivesTheSameDraftInPlace()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", Tiered, April, Ct);
        for (var i = 0; i < 3; i++)
        {
            await h.EventAsync(customer, $"s{i}", BillableMetrics.OutcomeSuccess, April.AddDays(i + 1), cancellationToken: Ct);
        }

        var first = await h.Billing.ComputeDraftAsync(customer, AprilPeriod, Ct);
        var second = await h.Billing.ComputeDraftAsync(customer, AprilPeriod, Ct);

        // 2 × 5.00 + 1 × 3.00
        Assert.Equal(13.00m, first.Total);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.Lines, second.Lines);
        Assert.Equal(first.EventIds, second.EventIds);
        Assert.Equal(3, first.EventIds.Count);
        Assert.Equal(InvoiceStatus.Draft, second.Status);
        Assert.Single(await h.Store.ListInvoicesAsync(customer, Ct));
    }

    [Fact]
    public async Task ComputeDraftAsync_VoidedEvent_IsLeftOut()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", Tiered, April, Ct);
        var events = new List<BillableEvent>();
        for (var i = 0; i < 3; i++)
        {
            events.Add((await h.EventAsync(customer, $"s{i}", BillableMetrics.OutcomeSuccess, April.AddDays(i + 1), cancellationToken: Ct)).Event);
        }

        await h.VoidAsync(events[1], Ct);
        var draft = await h.Billing.ComputeDraftAsync(customer, AprilPeriod, Ct);

        // 2 × 5.00: the third outcome no longer reaches the second tier.
        Assert.Equal(10.00m, draft.Total);
        Assert.DoesNotContain(events[1].Id, draft.EventIds);
    }

    [Fact]
    public async Task FinalizeAsync_WithinTheGracePeriod_IsRefused_AndALateEventLandsOnItsOwnPeriod()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", Tiered, April, Ct);
        await h.EventAsync(customer, "s0", BillableMetrics.OutcomeSuccess, April.AddDays(3), cancellationToken: Ct);
        await h.Billing.ComputeDraftAsync(customer, AprilPeriod, Ct);

        // Two days after April ended, an April event arrives; the invoice is still open.
        h.Clock.SetUtcNow(May.AddDays(2));
        var late = (await h.EventAsync(customer, "s1", BillableMetrics.OutcomeSuccess, April.AddDays(29), cancellationToken: Ct)).Event;
        await Assert.ThrowsAsync<InvalidOperationException>(() => h.Billing.FinalizeAsync(customer, AprilPeriod, cancellationToken: Ct));
        h.Clock.SetUtcNow(May.AddDays(3));
        var invoice = await h.Billing.FinalizeAsync(customer, AprilPeriod, cancellationToken: Ct);

        Assert.Equal((InvoiceStatus.Finalized, (long?)1, 10.00m), (invoice.Status, invoice.Number, invoice.Total));
        Assert.Contains(late.Id, invoice.EventIds);
        Assert.All(await h.Store.ListBillableEventsAsync(new BillableEventQuery(customer), Ct), e => Assert.Equal(invoice.Id, e.InvoiceId));
        await Assert.ThrowsAsync<InvoiceImmutableException>(() => h.Billing.ComputeDraftAsync(customer, AprilPeriod, Ct));
    }

    [Fact]
    public async Task ComputeDraftAsync_EventForAFinalizedPeriod_LandsOnTheNextInvoice_PricedAtItsOwnPeriodsTier()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", Tiered, April, Ct);
        await h.EventAsync(customer, "s0", BillableMetrics.OutcomeSuccess, April.AddDays(3), cancellationToken: Ct);
        await h.EventAsync(customer, "s1", BillableMetrics.OutcomeSuccess, April.AddDays(4), cancellationToken: Ct);
        h.Clock.SetUtcNow(May.AddDays(4));
        var april = await h.Billing.FinalizeAsync(customer, AprilPeriod, cancellationToken: Ct);

        var late = (await h.EventAsync(customer, "s2", BillableMetrics.OutcomeSuccess, April.AddDays(20), cancellationToken: Ct)).Event;
        await h.EventAsync(customer, "m0", BillableMetrics.OutcomeSuccess, May.AddDays(5), cancellationToken: Ct);
        var may = await h.Billing.ComputeDraftAsync(customer, MayPeriod, Ct);

        // April stays 2 × 5.00. May: its own outcome at 5.00, and April's late third outcome at April's second tier, 3.00.
        Assert.Equal(10.00m, (await h.Store.GetInvoiceAsync(april.Id, Ct))?.Total);
        Assert.Equal(8.00m, may.Total);
        var lateLine = Assert.Single(may.Lines, l => l.Note is not null);
        Assert.Equal((1m, 3.00m), (lateLine.Quantity, lateLine.Amount));
        Assert.Contains("late usage of 2026-04-01..2026-05-01", lateLine.Note, StringComparison.Ordinal);
        Assert.Contains("INV-000001", lateLine.Description, StringComparison.Ordinal);
        Assert.Contains(late.Id, may.EventIds);

        h.Clock.SetUtcNow(new DateTimeOffset(2026, 6, 4, 0, 0, 0, TimeSpan.Zero));
        var finalizedMay = await h.Billing.FinalizeAsync(customer, MayPeriod, cancellationToken: Ct);
        Assert.Equal(2, finalizedMay.Number);
        Assert.Equal(finalizedMay.Id, Assert.Single(await h.Store.ListBillableEventsAsync(new BillableEventQuery(customer), Ct), e => e.Id == late.Id).InvoiceId);
    }

    [Fact]
    public async Task VoidAsync_FinalizedInvoice_ItsEventsAreBilledByTheNextDraftOfThePeriod()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", Tiered, April, Ct);
        await h.EventAsync(customer, "s0", BillableMetrics.OutcomeSuccess, April.AddDays(3), cancellationToken: Ct);
        h.Clock.SetUtcNow(May.AddDays(4));
        var first = await h.Billing.FinalizeAsync(customer, AprilPeriod, cancellationToken: Ct);

        await h.Billing.VoidAsync(first.Id, Ct);
        var reissued = await h.Billing.FinalizeAsync(customer, AprilPeriod, cancellationToken: Ct);

        Assert.NotEqual(first.Id, reissued.Id);
        Assert.Equal((2L, 5.00m), (reissued.Number!.Value, reissued.Total));
        Assert.Equal(InvoiceStatus.Void, (await h.Store.GetInvoiceAsync(first.Id, Ct))?.Status);
    }
}
