using System.Globalization;
using Keel.Billing;
using Keel.Billing.Plans;
using Keel.Billing.Rating;

namespace Keel.Bench.Billing;

/// <summary>
/// The billable events of the bench, deterministic per customer (one seeded generator each), so the store run and
/// the rater-only run see exactly the same events. Event <c>r</c> of every customer falls in the r-th slice of the
/// period, so reading round by round gives one stream in (nearly) time order with the customers interleaved, as a
/// live feed arrives. The mix is what Keel derives from tasks: started, completed, successful outcomes, an outcome
/// value now and then, and model cost.
/// </summary>
internal sealed class EventStream(BenchOptions options, BillingPeriod period, IReadOnlyList<string> customerIds)
{
    private readonly Random[] _random = [.. Enumerable.Range(0, customerIds.Count).Select(c => new Random(options.Seed + c))];
    private readonly long _sliceTicks = (period.End - period.Start).Ticks / options.EventsPerCustomer;

    public static string Key(int customer, long round) => string.Create(CultureInfo.InvariantCulture, $"evt-{customer:D5}-{round:D8}");

    /// <summary>The next event of <paramref name="customer"/> (its <paramref name="round"/>-th; call in round order).</summary>
    public BillableEvent Next(int customer, long round)
    {
        var (metric, value, at) = Draw(_random[customer], round);
        return new BillableEvent
        {
            Id = Keel.Tasks.KeelIds.New("bev"),
            CustomerId = customerIds[customer],
            IdempotencyKey = Key(customer, round),
            Metric = metric,
            Value = value,
            Timestamp = at,
            Agent = (customer + round) % 3 == 0 ? "research" : "support",
        };
    }

    /// <summary>The same events of one customer as the rater sees them (a fresh generator: independent of <see cref="Next"/>).</summary>
    public List<MeteredEvent> Metered(int customer, decimal usdRate)
    {
        var random = new Random(options.Seed + customer);
        var events = new List<MeteredEvent>((int)options.EventsPerCustomer);
        for (long r = 0; r < options.EventsPerCustomer; r++)
        {
            var (metric, value, at) = Draw(random, r);
            var rated = metric == BillableMetrics.ModelCost && value is { } usd ? usd * usdRate : value;
            events.Add(new MeteredEvent(Key(customer, r), metric, 1m, rated, at));
        }

        return events;
    }

    private (string Metric, decimal? Value, DateTimeOffset At) Draw(Random random, long round)
    {
        var roll = random.Next(100);
        var cents = random.Next(500, 50_000);
        var micros = random.Next(100, 50_000);
        // Whole microseconds: the store keeps that resolution, so a stored event equals the one submitted.
        var at = period.Start + TimeSpan.FromTicks(_sliceTicks * round + (long)(random.NextDouble() * _sliceTicks) / 10 * 10);
        return roll switch
        {
            < 25 => (BillableMetrics.TaskStarted, null, at),
            < 50 => (BillableMetrics.TaskCompleted, null, at),
            < 70 => (BillableMetrics.OutcomeSuccess, null, at),
            < 78 => (BillableMetrics.OutcomeValue, cents / 100m, at),
            _ => (BillableMetrics.ModelCost, micros / 1_000_000m, at),
        };
    }
}
