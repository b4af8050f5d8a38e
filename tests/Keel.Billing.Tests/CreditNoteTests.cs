using Keel.Billing.Plans;
using Keel.Oversight;
using Xunit;

namespace Keel.Billing.Tests;

public sealed class CreditNoteTests
{
    private static readonly DateTimeOffset April = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset May = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The first two successful outcomes at 5.00, further ones at 3.00; plus 10 % of the outcomes' value.
    private static Plan Plan => new("outcomes", 1, "Outcomes", "USD",
    [
        new PriceComponent("per_success", "Successful outcomes", BillableMetrics.OutcomeSuccess, new Graduated([new PriceTier(2, 5m), new PriceTier(null, 3m)])),
        new PriceComponent("value_share", "10 % of value recovered", BillableMetrics.OutcomeValue, new PercentageOfValue(10m)),
    ]);

    [Fact]
    public async Task ApplyCreditPolicy_OutcomeReversedAfterFinalization_CreditsExactlyWhatItAdded_Once()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", Plan, April, Ct);
        var values = new[] { 40m, 25.50m, 10m };
        var tasks = new List<string>();
        for (var i = 0; i < values.Length; i++)
        {
            var task = await h.TaskAsync(customer, "support", April.AddDays(i + 1), cancellationToken: Ct);
            await h.OutcomeAsync(task, TaskOutcome.Success, values[i], April.AddDays(i + 2), Ct);
            tasks.Add(task);
        }

        await h.Billing.SyncFromTasksAsync(cancellationToken: Ct);
        h.Clock.SetUtcNow(May.AddDays(4));
        var invoice = await h.Billing.FinalizeAsync(customer, BillingPeriod.Month(2026, 4), cancellationToken: Ct);

        await h.OutcomeAsync(tasks[1], TaskOutcome.Failure, null, May.AddDays(10), Ct);
        var sync = await h.Billing.SyncFromTasksAsync(cancellationToken: Ct);
        var again = await h.Billing.ApplyCreditPolicyAsync(customer, Ct);

        // Invoice: 2 × 5.00 + 1 × 3.00 = 13.00, and 10 % of 75.50 = 7.55: 20.55.
        // Without task 2: 2 × 5.00 = 10.00 and 10 % of 50.00 = 5.00, so the reversal credits 3.00 + 2.55 = 5.55,
        // one note per voided event (its outcome.success, its outcome.value).
        Assert.Equal(20.55m, invoice.Total);
        Assert.Empty(again);
        Assert.Equal(2, sync.CreditNotes.Count);
        Assert.All(sync.CreditNotes, n => Assert.Equal(invoice.Id, n.InvoiceId));
        Assert.Equal(5.55m, sync.CreditNotes.Sum(n => n.Total));
        Assert.Equal([("per_success", 1m, 3.00m), ("value_share", 25.50m, 2.55m)],
            sync.CreditNotes.SelectMany(n => n.Lines).Select(l => (l.ComponentId, l.Quantity, l.Amount)).OrderBy(l => l.ComponentId, StringComparer.Ordinal));
        Assert.Equal([1L, 2L], (await h.Store.ListCreditNotesAsync(customer, Ct)).Select(n => n.Number));
        Assert.Equal(20.55m, (await h.Store.GetInvoiceAsync(invoice.Id, Ct))?.Total);
    }

    [Fact]
    public async Task ApplyCreditPolicy_TwoReversals_CreditsAddUpToTheInvoicesDifference()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", Plan, April, Ct);
        var events = new List<BillableEvent>();
        for (var i = 0; i < 4; i++)
        {
            events.Add((await h.EventAsync(customer, $"s{i}", BillableMetrics.OutcomeSuccess, April.AddDays(i + 1), cancellationToken: Ct)).Event);
        }

        h.Clock.SetUtcNow(May.AddDays(4));
        await h.Billing.FinalizeAsync(customer, BillingPeriod.Month(2026, 4), cancellationToken: Ct);
        await h.VoidAsync(events[0], Ct);
        await h.VoidAsync(events[3], Ct);

        // 4 outcomes: 2 × 5 + 2 × 3 = 16.00. 3 left: 13.00 (credit 3.00). 2 left: 10.00 (credit 3.00).
        Assert.Equal([3.00m, 3.00m], (await h.Store.ListCreditNotesAsync(customer, Ct)).Select(n => n.Total));
    }

    [Fact]
    public async Task CreditAsync_ByHand_RoundsAndNeverExceedsTheInvoice()
    {
        await using var h = await LedgerTestsHarness.CreateAsync(April);
        var customer = await h.CustomerAsync("acme", Plan, April, Ct);
        await h.EventAsync(customer, "s0", BillableMetrics.OutcomeSuccess, April.AddDays(1), cancellationToken: Ct);
        h.Clock.SetUtcNow(May.AddDays(4));
        var invoice = await h.Billing.FinalizeAsync(customer, BillingPeriod.Month(2026, 4), cancellationToken: Ct);

        var note = await h.Billing.CreditAsync(invoice.Id, 1.235m, "goodwill", Ct);

        Assert.Equal((1.235m, 1.24m), (note.UnroundedTotal, note.Total));
        await Assert.ThrowsAsync<InvalidOperationException>(() => h.Billing.CreditAsync(invoice.Id, 3.77m, "too much", Ct));
        Assert.Equal(3.76m, (await h.Billing.CreditAsync(invoice.Id, 3.76m, "the rest", Ct)).Total);
    }
}
