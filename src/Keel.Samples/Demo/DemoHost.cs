using Keel.Budgets;
using Keel.Metering;
using Keel.Pricing;
using Keel.Resilience;
using Keel.Samples.Research;
using Keel.Samples.Support;
using Keel.Storage;
using Keel.Tasks;
using Keel.Workers;

namespace Keel.Samples.Demo;

/// <summary>
/// The demo's runtime over a store: simulated deployments, budgets, and the sample agents registered by name, so
/// `keel demo`, `keel worker`, `keel resume` and `keel replay` all run the same agents on the same spine.
/// </summary>
public sealed class DemoHost : IDisposable
{
    private readonly BudgetLedger _budgets;

    public DemoHost(IKeelStore store, PriceTable prices, int seed = 42, bool simulateLatency = true, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _budgets = new BudgetLedger(store);
        var catalog = DemoDeployments.Catalog(seed, latency: simulateLatency, time: time);
        Runtime = new AgentRuntime(store, new ResilientModelCaller(catalog, DemoDeployments.Resilience), new UsageMeter(prices), time, _budgets);
        Agents = new AgentRegistry(
        [
            SupportAgent.Create(DemoDeployments.Alias),
            SupportAgent.Create(DemoDeployments.Alias, supervised: true),
            ResearchAgent.Create(DemoDeployments.Alias),
        ]);
    }

    public AgentRuntime Runtime { get; }

    public AgentRegistry Agents { get; }

    public TaskWorkerPool Workers(int concurrency) => new(Runtime, Agents, new WorkerOptions { Concurrency = concurrency });

    public void Dispose() => _budgets.Dispose();
}
