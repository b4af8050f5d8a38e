using Keel.Billing.Currencies;
using Keel.Billing.Plans;

namespace Keel.Billing.Rating;

/// <summary>
/// Prices a customer's billing period: a pure function of its request (no storage, no clock, no I/O), so a
/// draft invoice can be recomputed at any time and always comes out the same. Aggregate-first: events are
/// summed per plan interval and metric in one pass, then each component prices one number.
/// </summary>
public static class InvoiceRater
{
    /// <exception cref="ArgumentException">The request or one of its plans is invalid (unknown currency, currency
    /// mismatch, overlapping intervals, bad tiers).</exception>
    public static RatedInvoice Rate(RatingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var currency = Currency.Get(request.Currency);
        var intervals = RatingIntervals.Build(request, currency);
        var unrated = UsageAggregator.Aggregate(intervals, request.Events);

        var lines = new List<RatedLine>();
        var total = 0m;
        foreach (var interval in intervals)
        {
            var charges = 0m;
            foreach (var component in interval.Plan.Components)
            {
                var line = ComponentPricer.Price(component, interval, currency);
                charges += line.Amount;
                lines.Add(line);
            }

            if (CommitmentLines.Minimum(interval, charges, currency) is { } topUp)
            {
                charges += topUp.Amount;
                lines.Add(topUp);
            }
            else if (CommitmentLines.Maximum(interval, charges, currency) is { } cap)
            {
                charges += cap.Amount;
                lines.Add(cap);
            }

            total += charges;
        }

        unrated?.Sort(StringComparer.Ordinal);
        return new RatedInvoice(currency.Code, lines, total) { UnratedEventIds = unrated ?? [] };
    }
}
