namespace Keel.Billing;

/// <summary>
/// Money given back against a finalized invoice: the only way to change what an invoice charged. Numbered
/// without gaps when issued; at most one per source event, so the automatic policy credits a reversal once.
/// </summary>
public sealed record CreditNote
{
    public required string Id { get; init; }

    /// <summary>Assigned by the store from a gapless counter.</summary>
    public long Number { get; init; }

    public required string CustomerId { get; init; }
    public required string InvoiceId { get; init; }

    /// <summary>The void or correction that caused it (automatic credits); null for a credit issued by hand.</summary>
    public string? SourceEventId { get; init; }

    public required string Reason { get; init; }
    public required string Currency { get; init; }
    public IReadOnlyList<CreditNoteLine> Lines { get; init; } = [];
    public decimal UnroundedTotal { get; init; }
    public decimal Total { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    public string DisplayNumber => Invoice.FormatNumber("CN", Number);
}
