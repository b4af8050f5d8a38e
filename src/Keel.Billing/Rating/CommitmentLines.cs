using Keel.Billing.Currencies;

namespace Keel.Billing.Rating;

/// <summary>
/// The plan's minimum commitment (a top-up line) and maximum charge (a negative cap line) over one interval,
/// both prorated by the interval's share of the period and measured against the sum of the interval's rounded
/// lines, so that lines plus top-up (or cap) add up to the rounded prorated minimum (or maximum) exactly.
/// </summary>
internal static class CommitmentLines
{
    internal static RatedLine? Minimum(RatingInterval interval, decimal charges, Currency currency)
    {
        if (interval.Plan.MinimumCommitment is not { } minimum)
        {
            return null;
        }

        var prorated = interval.Prorate(minimum);
        return charges < prorated
            ? Line(RatedLine.MinimumCommitmentId, LineText.Minimum(interval, minimum), interval, minimum, prorated - charges, currency)
            : null;
    }

    internal static RatedLine? Maximum(RatingInterval interval, decimal charges, Currency currency)
    {
        if (interval.Plan.MaximumCharge is not { } maximum)
        {
            return null;
        }

        var prorated = interval.Prorate(maximum);
        return charges > prorated
            ? Line(RatedLine.MaximumChargeId, LineText.Maximum(interval, maximum), interval, maximum, prorated - charges, currency)
            : null;
    }

    private static RatedLine Line(string id, string description, RatingInterval interval, decimal perPeriod, decimal unrounded, Currency currency) =>
        new(id, description, "", interval.Share, perPeriod, unrounded, currency.Round(unrounded), [], interval.Plan.Version)
        {
            PlanId = interval.Plan.Id,
            From = interval.From,
            To = interval.To,
        };
}
