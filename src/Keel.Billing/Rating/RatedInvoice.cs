namespace Keel.Billing.Rating;

/// <summary>
/// The priced result of one customer's period. <see cref="Total"/> is the sum of the lines' rounded amounts,
/// so the lines always add up to the total exactly. Value equality: re-rating the same events gives an equal invoice.
/// </summary>
public sealed record RatedInvoice(string Currency, IReadOnlyList<RatedLine> Lines, decimal Total)
{
    /// <summary>Ids (ordinal order) of events whose timestamp fell in no plan interval, so were not billed.</summary>
    public IReadOnlyList<string> UnratedEventIds { get; init; } = [];

    public bool Equals(RatedInvoice? other) =>
        other is not null && Currency == other.Currency && Total == other.Total
        && Lines.SequenceEqual(other.Lines) && UnratedEventIds.SequenceEqual(other.UnratedEventIds);

    public override int GetHashCode() => HashCode.Combine(Currency, Total, Lines.Count);
}
