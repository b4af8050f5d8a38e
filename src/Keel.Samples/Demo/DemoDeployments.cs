using Keel.Providers.Simulated;
using Keel.Resilience;
using Keel.Routing;
using Keel.Samples.Research;
using Keel.Samples.Support;

namespace Keel.Samples.Demo;

/// <summary>
/// The simulated models the demo (and `keel serve` without a config) serves: one alias over a flaky primary, a
/// steadier secondary region, and a large-window model for prompts that outgrow the small ones.
/// </summary>
public static class DemoDeployments
{
    public const string Alias = "sim-default";
    public const string LargeAlias = "sim-large";

    /// <summary>Scripts the simulated models can be asked for by name (the gateway's clients can't pass objects).</summary>
    public static IReadOnlyDictionary<string, ISimulationScript> Scripts { get; } = new Dictionary<string, ISimulationScript>(StringComparer.Ordinal)
    {
        [SupportAgent.Name] = new SupportScript(),
        [ResearchAgent.Name] = new ResearchScript(),
    };

    public static ModelCatalog Catalog(int seed, bool injectFaults = true, bool latency = true, TimeProvider? time = null)
    {
        var speed = latency ? new LatencyModel() : LatencyModel.None;
        var primary = Simulated("sim-fast@primary", "sim-fast", 3_000, seed, speed, injectFaults
            ? new FaultRates { RateLimited = 0.06, ServerError = 0.03, Unavailable = 0.03, Timeout = 0.01 }
            : FaultRates.None, time);
        var secondary = Simulated("sim-fast@secondary", "sim-fast", 3_000, seed + 1, speed, injectFaults
            ? new FaultRates { RateLimited = 0.01, ServerError = 0.01 }
            : FaultRates.None, time);
        var large = Simulated("sim-large", "sim-large", 128_000, seed + 2, speed with { MedianMs = speed.MedianMs * 2 }, injectFaults
            ? new FaultRates { ServerError = 0.01 }
            : FaultRates.None, time);
        return new ModelCatalog(
        [
            new ModelRoute(Alias, [primary, secondary, large]),
            new ModelRoute(LargeAlias, [large]),
        ]);
    }

    /// <summary>Tight enough that faults cost the demo seconds, not minutes.</summary>
    public static ResilienceOptions Resilience { get; } = new()
    {
        MaxRetries = 2,
        BaseDelay = TimeSpan.FromMilliseconds(50),
        AttemptTimeout = TimeSpan.FromSeconds(1.5),
    };

    private static Deployment Simulated(string name, string model, int window, int seed, LatencyModel latency, FaultRates faults, TimeProvider? time) => new()
    {
        Name = name,
        Model = model,
        Provider = "simulated",
        ContextWindow = window,
        Client = new SimulatedChatClient(
            new SimulatedModelOptions { Model = model, ContextWindow = window, Seed = seed, Latency = latency, Faults = faults },
            Scripts,
            time),
    };
}
