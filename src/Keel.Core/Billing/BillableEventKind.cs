namespace Keel.Billing;

/// <summary>What a ledger entry does: the ledger is append-only, so a fix is an entry of its own, never an edit.</summary>
public enum BillableEventKind
{
    /// <summary>Something billable happened.</summary>
    Usage,

    /// <summary>Replaces the quantity and value of its target usage event (the latest correction wins).</summary>
    Correction,

    /// <summary>Cancels its target usage event; billed on a finalized invoice, it is credited.</summary>
    Void,
}
