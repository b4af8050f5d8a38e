namespace Keel.Billing.Rating;

/// <summary>
/// The one pass over the events: finds each event's interval and adds its quantity and value to the slot of
/// its metric. Decimal addition is exact here, so the sums (and the invoice) do not depend on event order.
/// </summary>
internal static class UsageAggregator
{
    /// <returns>Ids of events that fell in no interval, or null when there were none.</returns>
    internal static List<string>? Aggregate(RatingInterval[] intervals, IEnumerable<MeteredEvent> events)
    {
        List<string>? unrated = null;
        var starts = new long[intervals.Length];
        for (var i = 0; i < intervals.Length; i++)
        {
            starts[i] = intervals[i].FromTicks;
        }

        foreach (var e in events)
        {
            ArgumentNullException.ThrowIfNull(e, nameof(events));
            var interval = Find(intervals, starts, e.Timestamp.UtcTicks);
            if (interval is null)
            {
                (unrated ??= []).Add(e.EventId);
                continue;
            }

            if (e.Metric is not null && interval.Slots.TryGetValue(e.Metric, out var slot))
            {
                interval.Quantities[slot] += e.Quantity;
                if (e.Value is { } value)
                {
                    interval.Values[slot] += value;
                }
            }
        }

        return unrated;
    }

    private static RatingInterval? Find(RatingInterval[] intervals, long[] starts, long ticks)
    {
        int index;
        if (intervals.Length == 1)
        {
            index = 0;
        }
        else
        {
            index = Array.BinarySearch(starts, ticks);
            if (index < 0)
            {
                index = ~index - 1; // the last interval starting before the event
            }
        }

        if (index < 0 || index >= intervals.Length)
        {
            return null;
        }

        var interval = intervals[index];
        return ticks >= interval.FromTicks && ticks < interval.ToTicks ? interval : null;
    }
}
