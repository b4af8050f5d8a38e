namespace Keel.Billing.Plans;

/// <summary>
/// One tier of a <see cref="Graduated"/> or <see cref="Volume"/> price. Tiers are ordered; a tier covers the
/// quantities above the previous tier's <see cref="UpTo"/> up to and including its own (Stripe's convention),
/// and the last tier is open-ended (<see cref="UpTo"/> null).
/// </summary>
/// <param name="UpTo">Inclusive upper bound of the tier, or null for the last, unbounded tier.</param>
/// <param name="UnitPrice">Price of each unit in the tier.</param>
/// <param name="FlatFee">Charged once when any quantity reaches into the tier (graduated) or lands in it (volume).</param>
public sealed record PriceTier(decimal? UpTo, decimal UnitPrice, decimal FlatFee = 0m);
