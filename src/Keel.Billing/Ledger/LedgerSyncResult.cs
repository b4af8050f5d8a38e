namespace Keel.Billing.Ledger;

/// <summary>What one <c>SyncFromTasksAsync</c> did.</summary>
/// <param name="Tasks">Task changes read from the feed.</param>
/// <param name="EventsAdded">Ledger entries appended (usage, corrections and voids).</param>
/// <param name="CreditNotes">Credit notes issued for reversals of already billed events.</param>
/// <param name="Cursor">Where the next sync resumes.</param>
public sealed record LedgerSyncResult(int Tasks, int EventsAdded, IReadOnlyList<CreditNote> CreditNotes, long Cursor);
