namespace Keel.Billing.Plans;

/// <summary>
/// A versioned price list. A plan version never changes once a subscription uses it: a price change is a new
/// <see cref="Version"/>, so a re-rated old period prices exactly as it did.
/// </summary>
/// <param name="Currency">ISO 4217 code; every amount in the plan is in it.</param>
public sealed record Plan(string Id, int Version, string Name, string Currency, IReadOnlyList<PriceComponent> Components)
{
    /// <summary>
    /// The least the customer pays per period: when the period's charges fall short, a top-up line makes up the
    /// difference. Prorated like flat fees.
    /// </summary>
    public decimal? MinimumCommitment { get; init; }

    /// <summary>
    /// The most the customer pays per period: when charges exceed it, a negative cap line brings them down to it.
    /// Prorated like flat fees.
    /// </summary>
    public decimal? MaximumCharge { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first thing wrong with the plan.</summary>
    public void Validate() => PlanValidator.Validate(this);

    public bool Equals(Plan? other) =>
        other is not null
        && Id == other.Id && Version == other.Version && Name == other.Name && Currency == other.Currency
        && MinimumCommitment == other.MinimumCommitment && MaximumCharge == other.MaximumCharge
        && Components.SequenceEqual(other.Components);

    public override int GetHashCode() => HashCode.Combine(Id, Version);
}
