using System.Diagnostics;
using Keel.Budgets;
using Keel.Metering;
using Keel.Pricing;
using Keel.Resilience;
using Keel.Storage;
using Keel.Tasks;

namespace Keel.Samples.Demo;

/// <summary>Runs the demo workload on a store, many tasks at once, reporting each task as it ends.</summary>
public sealed class DemoRunner(IKeelStore store, PriceTable prices)
{
    /// <param name="simulateLatency">False runs the simulated models without their latency, for fast deterministic checks.</param>
    public async Task<DemoRun> RunAsync(int tasks, int seed, int concurrency, IProgress<AgentTask>? progress = null, bool simulateLatency = true, CancellationToken cancellationToken = default)
    {
        var catalog = DemoDeployments.Catalog(seed, latency: simulateLatency);
        using var budgets = new BudgetLedger(store);
        var runtime = new AgentRuntime(store, new ResilientModelCaller(catalog, DemoDeployments.Resilience), new UsageMeter(prices), budgets: budgets);
        var customers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in new[] { "acme", "globex" })
        {
            customers[name] = (await store.EnsureCustomerAsync(name, cancellationToken).ConfigureAwait(false)).Id;
        }

        var clock = Stopwatch.StartNew();
        var ids = new string[tasks];
        var workload = DemoWorkload.Create(tasks, seed);
        await Parallel.ForEachAsync(
            Enumerable.Range(0, tasks),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = cancellationToken },
            async (i, token) =>
            {
                var work = workload[i];
                var finished = await runtime.RunAsync(work.Agent, work.Input, customers[work.Customer], cancellationToken: token).ConfigureAwait(false);
                ids[i] = finished.Id;
                progress?.Report(finished);
            }).ConfigureAwait(false);

        return new DemoRun(ids, clock.Elapsed);
    }
}

public sealed record DemoRun(IReadOnlyList<string> TaskIds, TimeSpan WallTime);
