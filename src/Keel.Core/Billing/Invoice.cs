namespace Keel.Billing;

/// <summary>One customer's invoice for one period.</summary>
public sealed record Invoice
{
    public required string Id { get; init; }
    public required string CustomerId { get; init; }
    public InvoiceStatus Status { get; init; } = InvoiceStatus.Draft;

    /// <summary>Assigned at finalization from a gapless counter; null on drafts.</summary>
    public long? Number { get; init; }

    public required DateTimeOffset PeriodStart { get; init; }
    public required DateTimeOffset PeriodEnd { get; init; }
    public required string Currency { get; init; }

    /// <summary>The plan versions that priced the period, as <c>id@version</c>.</summary>
    public IReadOnlyList<string> PlanVersions { get; init; } = [];

    public IReadOnlyList<InvoiceLine> Lines { get; init; } = [];
    public decimal UnroundedTotal { get; init; }

    /// <summary>The sum of the lines' rounded amounts.</summary>
    public decimal Total { get; init; }

    /// <summary>The ledger entries this invoice bills; they are stamped with it when it is finalized.</summary>
    public IReadOnlyList<string> EventIds { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? FinalizedAt { get; init; }
    public DateTimeOffset? VoidedAt { get; init; }

    public string? DisplayNumber => Number is { } n ? FormatNumber("INV", n) : null;

    internal static string FormatNumber(string prefix, long number) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{prefix}-{number:D6}");
}
