using Keel.Billing.Plans;

namespace Keel.Billing.Rating;

/// <summary>
/// One plan interval clipped to the period, with its share of the period and the running sums of the metrics
/// its plan prices (one slot per distinct metric, so the event loop only adds).
/// </summary>
internal sealed class RatingInterval
{
    internal RatingInterval(Plan plan, DateTimeOffset from, DateTimeOffset to, long periodTicks)
    {
        Plan = plan;
        From = from;
        To = to;
        FromTicks = from.UtcTicks;
        ToTicks = to.UtcTicks;
        PeriodTicks = periodTicks;
        var metrics = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var component in plan.Components)
        {
            if (component.Model is not Flat)
            {
                metrics.TryAdd(component.Metric, metrics.Count);
            }
        }

        Slots = metrics;
        Quantities = new decimal[metrics.Count];
        Values = new decimal[metrics.Count];
    }

    internal Plan Plan { get; }

    internal DateTimeOffset From { get; }

    internal DateTimeOffset To { get; }

    internal long FromTicks { get; }

    internal long ToTicks { get; }

    internal long PeriodTicks { get; }

    internal Dictionary<string, int> Slots { get; }

    internal decimal[] Quantities { get; }

    internal decimal[] Values { get; }

    internal bool WholePeriod => ToTicks - FromTicks == PeriodTicks;

    /// <summary>The interval's share of the period, by exact elapsed time (1 when it covers all of it).</summary>
    internal decimal Share => WholePeriod ? 1m : (decimal)(ToTicks - FromTicks) / PeriodTicks;

    /// <summary>
    /// A per-period amount prorated to this interval. Multiplies before dividing, so shares that divide evenly
    /// (half a period of 100.00) come out exact; amounts too large for that (beyond decimal's range once
    /// multiplied by the ticks of a long period) are multiplied by the share instead.
    /// </summary>
    internal decimal Prorate(decimal perPeriod)
    {
        if (WholePeriod)
        {
            return perPeriod;
        }

        const decimal SafeToMultiply = 100_000_000_000_000m; // × up to 7e14 ticks (2.2 years) stays in range
        return Math.Abs(perPeriod) < SafeToMultiply && PeriodTicks < 700_000_000_000_000L
            ? perPeriod * (ToTicks - FromTicks) / PeriodTicks
            : perPeriod * Share;
    }
}
