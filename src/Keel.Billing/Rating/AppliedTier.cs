namespace Keel.Billing.Rating;

/// <summary>How much of a line's quantity one tier priced, so an invoice can show its tier arithmetic.</summary>
/// <param name="Tier">1-based position of the tier in the plan.</param>
/// <param name="From">Exclusive lower bound of the tier (0 for the first).</param>
/// <param name="UpTo">Inclusive upper bound, or null for the unbounded last tier.</param>
/// <param name="Quantity">Units priced in this tier (for volume pricing: all of them).</param>
/// <param name="Amount">Quantity × UnitPrice + FlatFee, unrounded.</param>
public sealed record AppliedTier(int Tier, decimal From, decimal? UpTo, decimal Quantity, decimal UnitPrice, decimal FlatFee, decimal Amount);
