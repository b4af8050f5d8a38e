namespace Keel.Billing.Rating;

/// <summary>
/// One invoice line: a plan component over one plan interval, or a minimum-commitment top-up or maximum-charge
/// cap. <see cref="Amount"/> is <see cref="UnroundedAmount"/> rounded once to the currency's minor unit.
/// </summary>
/// <param name="ComponentId">The plan component's id, or <see cref="MinimumCommitmentId"/> / <see cref="MaximumChargeId"/>.</param>
/// <param name="Metric">The metric priced (empty for minimum and maximum lines).</param>
/// <param name="Quantity">
/// The aggregated quantity before included units; for flat fees, minimum and maximum lines the share of the
/// period the interval covers (1 for all of it).
/// </param>
/// <param name="UnitPrice">The price per unit when one price applies (null for graduated tiers spanning several).</param>
/// <param name="Tiers">Tiers applied (graduated: each tier reached; volume: the tier landed in); empty otherwise.</param>
/// <param name="PlanVersion">Version of the plan in force during the interval.</param>
public sealed record RatedLine(
    string ComponentId,
    string Description,
    string Metric,
    decimal Quantity,
    decimal? UnitPrice,
    decimal UnroundedAmount,
    decimal Amount,
    IReadOnlyList<AppliedTier> Tiers,
    int PlanVersion)
{
    /// <summary>Component id of the line that tops charges up to the plan's minimum commitment.</summary>
    public const string MinimumCommitmentId = "minimum_commitment";

    /// <summary>Component id of the (negative) line that caps charges at the plan's maximum charge.</summary>
    public const string MaximumChargeId = "maximum_charge";

    public string PlanId { get; init; } = "";

    /// <summary>Start of the plan interval this line prices (inclusive).</summary>
    public DateTimeOffset From { get; init; }

    /// <summary>End of the plan interval this line prices (exclusive).</summary>
    public DateTimeOffset To { get; init; }

    /// <summary>Free units taken off <see cref="Quantity"/> before pricing (prorated, whole units).</summary>
    public decimal IncludedQuantity { get; init; }

    public bool Equals(RatedLine? other) =>
        other is not null
        && ComponentId == other.ComponentId && Description == other.Description && Metric == other.Metric
        && Quantity == other.Quantity && UnitPrice == other.UnitPrice && UnroundedAmount == other.UnroundedAmount
        && Amount == other.Amount && PlanVersion == other.PlanVersion && PlanId == other.PlanId
        && From == other.From && To == other.To && IncludedQuantity == other.IncludedQuantity
        && Tiers.SequenceEqual(other.Tiers);

    public override int GetHashCode() => HashCode.Combine(ComponentId, PlanId, From, Amount);
}
