namespace Keel.Billing.Ledger;

/// <summary>Applies corrections and voids to usage events: the ledger stays append-only, the net view is derived.</summary>
public static class NetEventResolver
{
    /// <summary>
    /// One net event per usage event, in timestamp then id order. Corrections apply in the order received (the
    /// latest wins); a void cancels the event whatever its own timestamp.
    /// </summary>
    public static IReadOnlyList<NetEvent> Resolve(IEnumerable<BillableEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var usage = new List<BillableEvent>();
        var voids = new Dictionary<string, BillableEvent>(StringComparer.Ordinal);
        var corrections = new Dictionary<string, List<BillableEvent>>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            switch (e.Kind)
            {
                case BillableEventKind.Usage:
                    usage.Add(e);
                    break;
                case BillableEventKind.Void when e.TargetEventId is { } target:
                    voids.TryAdd(target, e);
                    break;
                case BillableEventKind.Correction when e.TargetEventId is { } target:
                    if (!corrections.TryGetValue(target, out var list))
                    {
                        corrections[target] = list = [];
                    }

                    list.Add(e);
                    break;
            }
        }

        return usage
            .OrderBy(u => u.Timestamp).ThenBy(u => u.Id, StringComparer.Ordinal)
            .Select(u =>
            {
                var fixes = corrections.TryGetValue(u.Id, out var list)
                    ? list.OrderBy(c => c.ReceivedAt).ThenBy(c => c.Id, StringComparer.Ordinal).ToList()
                    : [];
                var latest = fixes.Count > 0 ? fixes[^1] : u;
                return new NetEvent(u, latest.Quantity, latest.Value, voids.GetValueOrDefault(u.Id), [u.Id, .. fixes.Select(c => c.Id)]);
            })
            .ToList();
    }
}
