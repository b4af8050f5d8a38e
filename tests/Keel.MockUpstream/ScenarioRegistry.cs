using System.Collections.Concurrent;

namespace Keel.MockUpstream;

/// <summary>Scenarios by spec string; "" is the plain <c>/v1/...</c> path.</summary>
internal sealed class ScenarioRegistry
{
    private static readonly Func<string, Scenario> Create = text => new Scenario(text);

    private readonly ConcurrentDictionary<string, Scenario> _scenarios = new(StringComparer.Ordinal);

    public Scenario Get(string text) => _scenarios.GetOrAdd(text, Create);

    public long CountFor(string text) => _scenarios.TryGetValue(text, out var scenario) ? scenario.Count : 0;

    /// <summary>Forgets all counters, so fail-first and rate start over.</summary>
    public void Reset() => _scenarios.Clear();
}
