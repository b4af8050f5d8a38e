using System.Diagnostics;
using Keel.Billing;
using Keel.Billing.Rating;

namespace Keel.Bench.Billing;

internal sealed record RaterResult(long Events, double Seconds, double EventsPerSecond, double P50Ms, double P95Ms, int Mismatches);

/// <summary>
/// The rater alone: each customer's same events, in memory, through <c>InvoiceRater.Rate</c> with the customer's
/// plan (generating them is not timed). Its total must equal the stored invoice's: the store path and the pure
/// function price the same events the same way.
/// </summary>
internal static class RaterOnly
{
    public static RaterResult Run(EventStream stream, IReadOnlyList<string> customers, BillingPeriod period, IReadOnlyDictionary<string, decimal> storedTotals)
    {
        var times = new List<double>(customers.Count);
        long events = 0;
        double seconds = 0;
        var mismatches = 0;
        for (var c = 0; c < customers.Count; c++)
        {
            var plan = BenchPlans.For(c);
            var metered = stream.Metered(c, plan.Currency == "EUR" ? BenchPlans.EurPerUsd : 1m);
            var request = new RatingRequest(plan.Currency, period.Start, period.End, [new PlanInterval(plan, period.Start, period.End)], metered);
            var t0 = Stopwatch.GetTimestamp();
            var rated = InvoiceRater.Rate(request);
            var t1 = Stopwatch.GetTimestamp();
            times.Add(Stats.Millis(t0, t1));
            seconds += Stats.Seconds(t0, t1);
            events += metered.Count;
            if (storedTotals.TryGetValue(customers[c], out var stored) && stored != rated.Total)
            {
                mismatches++;
            }
        }

        return new RaterResult(events, seconds, events / seconds, Stats.Median(times), Stats.Percentile(times, 0.95), mismatches);
    }
}
