using System.Text.Json.Serialization;

namespace Keel.Billing.Plans;

/// <summary>
/// How a price component turns a quantity into money. A closed set (the constructor is not public outside the
/// assembly), so the rater and the JSON discriminator cover every case.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(PerUnit), "per_unit")]
[JsonDerivedType(typeof(Graduated), "graduated")]
[JsonDerivedType(typeof(Volume), "volume")]
[JsonDerivedType(typeof(Package), "package")]
[JsonDerivedType(typeof(PercentageOfValue), "percentage_of_value")]
[JsonDerivedType(typeof(Flat), "flat")]
[JsonDerivedType(typeof(CostPassThrough), "cost_pass_through")]
public abstract record ChargeModel
{
    private protected ChargeModel()
    {
    }
}

/// <summary>Every unit at one price: quantity × <paramref name="UnitPrice"/>.</summary>
public sealed record PerUnit(decimal UnitPrice) : ChargeModel;

/// <summary>
/// Each unit priced at the price of the tier it falls in (the first 100 at 0.50, the next 900 at 0.40, …),
/// plus each reached tier's flat fee. Marginal prices: more units never cost less.
/// </summary>
public sealed record Graduated(IReadOnlyList<PriceTier> Tiers) : ChargeModel
{
    public bool Equals(Graduated? other) => other is not null && Tiers.SequenceEqual(other.Tiers);

    public override int GetHashCode() => Tiers.Count;
}

/// <summary>
/// All units at the price of the tier the total lands in, plus that tier's flat fee. Crossing a boundary
/// reprices every unit, so the total can drop as quantity rises (the point of volume discounts).
/// </summary>
public sealed record Volume(IReadOnlyList<PriceTier> Tiers) : ChargeModel
{
    public bool Equals(Volume? other) => other is not null && Tiers.SequenceEqual(other.Tiers);

    public override int GetHashCode() => Tiers.Count;
}

/// <summary>Units sold in whole packages: ⌈quantity / <paramref name="PackageSize"/>⌉ × <paramref name="PackagePrice"/>.</summary>
public sealed record Package(decimal PackageSize, decimal PackagePrice) : ChargeModel;

/// <summary>A share of the summed event values: value × <paramref name="Percent"/> / 100 (<c>Percent = 5</c> means 5 %).</summary>
public sealed record PercentageOfValue(decimal Percent) : ChargeModel;

/// <summary>A recurring fee per billing period, prorated when the plan covers only part of it; the metric is ignored.</summary>
public sealed record Flat(decimal Amount) : ChargeModel;

/// <summary>
/// Re-bills a recorded cost with a markup: cost × (1 + <paramref name="MarkupPercent"/> / 100)
/// (<c>MarkupPercent = 20</c> bills 1.20 per 1.00 of cost).
/// </summary>
public sealed record CostPassThrough(decimal MarkupPercent) : ChargeModel;
