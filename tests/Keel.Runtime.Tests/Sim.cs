using Keel.Providers.Simulated;
using Keel.Routing;

namespace Keel.Runtime.Tests;

/// <summary>Simulated deployments for tests: no latency unless asked, faults as given.</summary>
internal static class Sim
{
    public static SimulatedChatClient Client(FaultRates? faults = null, int window = 128_000, int seed = 1, string model = "sim-fast") =>
        new(new SimulatedModelOptions { Model = model, ContextWindow = window, Seed = seed, Latency = LatencyModel.None, Faults = faults ?? FaultRates.None });

    public static Deployment Deployment(string name, FaultRates? faults = null, int window = 128_000, string model = "sim-fast", int seed = 1) => new()
    {
        Name = name,
        Model = model,
        Provider = "simulated",
        ContextWindow = window,
        Client = Client(faults, window, seed, model),
    };
}
