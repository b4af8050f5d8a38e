namespace Keel.Billing.Ledger;

/// <summary>
/// A usage event with its corrections and void applied: what rating sees. The ledger itself is never edited;
/// this is computed from it every time.
/// </summary>
/// <param name="Usage">The original usage entry (id, metric, time, task, agent, invoice stamp).</param>
/// <param name="Quantity">The latest correction's quantity, or the original's.</param>
/// <param name="Value">The latest correction's value, or the original's.</param>
/// <param name="Void">The void that cancels it, if any.</param>
/// <param name="SourceIds">The ledger entries an invoice that bills it stamps: the usage and its corrections.</param>
public sealed record NetEvent(BillableEvent Usage, decimal Quantity, decimal? Value, BillableEvent? Void, IReadOnlyList<string> SourceIds)
{
    public bool Voided => Void is not null;

    /// <summary>Billed on a finalized invoice.</summary>
    public bool Billed => Usage.InvoiceId is not null;

    public string Id => Usage.Id;
    public DateTimeOffset Timestamp => Usage.Timestamp;
}
