using System.Collections.Concurrent;

namespace Keel.Server.Routing;

/// <summary>
/// A moving window of each deployment's latency: an exponentially weighted average (α = 0.2, so about the last
/// ten calls count), cheap enough to update on every call without locks.
/// </summary>
public sealed class LatencyTracker
{
    private const double Alpha = 0.2;
    private readonly ConcurrentDictionary<string, double> _averageMs = new(StringComparer.Ordinal);

    public void Record(string deployment, TimeSpan latency) =>
        _averageMs.AddOrUpdate(deployment, latency.TotalMilliseconds, (_, average) => average + (Alpha * (latency.TotalMilliseconds - average)));

    /// <summary>Average latency in milliseconds; a deployment never measured counts as 0, so it gets tried.</summary>
    public double AverageMs(string deployment) => _averageMs.TryGetValue(deployment, out var ms) ? ms : 0;
}
