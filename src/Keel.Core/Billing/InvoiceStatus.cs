namespace Keel.Billing;

public enum InvoiceStatus
{
    /// <summary>Recomputable at any time; carries no number.</summary>
    Draft,

    /// <summary>Numbered and immutable: corrections go through credit notes.</summary>
    Finalized,

    /// <summary>Cancelled; keeps its number (if it had one) so the sequence stays without gaps.</summary>
    Void,
}
