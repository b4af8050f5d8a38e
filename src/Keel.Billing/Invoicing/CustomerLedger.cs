using Keel.Billing.Currencies;
using Keel.Billing.Ledger;

namespace Keel.Billing.Invoicing;

/// <summary>One customer's billing state read at one moment: what every invoice computation starts from.</summary>
internal sealed record CustomerLedger(
    string CustomerId,
    Currency Currency,
    IReadOnlyList<BillableEvent> Events,
    IReadOnlyList<NetEvent> Net,
    IReadOnlyList<Invoice> Invoices,
    IReadOnlyList<CreditNote> CreditNotes)
{
    /// <summary>Usage events whose charge a credit note already gave back (through the void or correction it names).</summary>
    public IReadOnlySet<string> Credited { get; } = CreditedTargets(Events, CreditNotes);

    /// <summary>The finalized invoice whose period holds <paramref name="time"/>, if any.</summary>
    public Invoice? FinalizedCovering(DateTimeOffset time) =>
        Invoices.FirstOrDefault(i => i.Status == InvoiceStatus.Finalized && time >= i.PeriodStart && time < i.PeriodEnd);

    /// <summary>
    /// What stands charged for a finalized period: events with their time in it, billed, and not yet credited back
    /// (a voided event still counts until its credit note exists, so consecutive credits add up exactly).
    /// </summary>
    public IEnumerable<NetEvent> Charged(Invoice finalized) =>
        Net.Where(n => n.Billed && n.Timestamp >= finalized.PeriodStart && n.Timestamp < finalized.PeriodEnd && !Credited.Contains(n.Id));

    private static HashSet<string> CreditedTargets(IReadOnlyList<BillableEvent> events, IReadOnlyList<CreditNote> notes)
    {
        var targets = events.Where(e => e.TargetEventId is not null).ToDictionary(e => e.Id, e => e.TargetEventId!, StringComparer.Ordinal);
        return notes.Where(n => n.SourceEventId is not null && targets.ContainsKey(n.SourceEventId))
            .Select(n => targets[n.SourceEventId!])
            .ToHashSet(StringComparer.Ordinal);
    }
}
