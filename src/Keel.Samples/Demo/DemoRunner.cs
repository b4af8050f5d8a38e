using System.Diagnostics;
using Keel.Pricing;
using Keel.Storage;
using Keel.Tasks;

namespace Keel.Samples.Demo;

/// <summary>
/// Runs the demo workload on a store the way production runs agents: the tasks are queued, then a worker pool
/// claims and runs them, many at once, reporting each task as it ends.
/// </summary>
public sealed class DemoRunner(IKeelStore store, PriceTable prices)
{
    /// <param name="simulateLatency">False runs the simulated models without their latency, for fast deterministic checks.</param>
    /// <param name="humanApprovals">True leaves refunds above the threshold waiting for a person (<c>keel approve|reject</c>).</param>
    public async Task<DemoRun> RunAsync(int tasks, int seed, int concurrency, IProgress<AgentTask>? progress = null, bool simulateLatency = true,
        bool humanApprovals = false, CancellationToken cancellationToken = default)
    {
        using var host = new DemoHost(store, prices, seed, simulateLatency);
        var customers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in new[] { "acme", "globex" })
        {
            customers[name] = (await store.EnsureCustomerAsync(name, cancellationToken).ConfigureAwait(false)).Id;
        }

        await BillingDemo.SubscribeAsync(store, customers, cancellationToken: cancellationToken).ConfigureAwait(false);

        var clock = Stopwatch.StartNew();
        var ids = new List<string>(tasks);
        foreach (var work in DemoWorkload.Create(tasks, seed, supervised: humanApprovals))
        {
            ids.Add((await host.Runtime.SubmitAsync(work.Agent.Name, work.Input, customers[work.Customer], cancellationToken: cancellationToken).ConfigureAwait(false)).Id);
        }

        await DrainAsync(host, concurrency, progress, cancellationToken).ConfigureAwait(false);
        return new DemoRun(ids, clock.Elapsed);
    }

    /// <summary>Runs every runnable task of the demo's agents in the store to its end: a restart after a crash.</summary>
    public async Task<DemoRun> ResumeAsync(int seed, int concurrency, IProgress<AgentTask>? progress = null, CancellationToken cancellationToken = default)
    {
        using var host = new DemoHost(store, prices, seed);
        var clock = Stopwatch.StartNew();
        await DrainAsync(host, concurrency, progress, cancellationToken).ConfigureAwait(false);
        var ids = new List<string>();
        foreach (var agent in host.Agents.Names)
        {
            var listed = await store.ListTasksAsync(new TaskQuery { Agent = agent, Limit = int.MaxValue }, cancellationToken).ConfigureAwait(false);
            ids.AddRange(listed.Select(s => s.Task.Id));
        }

        return new DemoRun(ids, clock.Elapsed);
    }

    private static async Task DrainAsync(DemoHost host, int concurrency, IProgress<AgentTask>? progress, CancellationToken cancellationToken)
    {
        var workers = host.Workers(concurrency);
        if (progress is not null)
        {
            workers.TaskSettled += task =>
            {
                if (task.Status is AgentTaskStatus.Succeeded or AgentTaskStatus.Failed)
                {
                    progress.Report(task);
                }
            };
        }

        await workers.DrainAsync(cancellationToken).ConfigureAwait(false);
    }
}

public sealed record DemoRun(IReadOnlyList<string> TaskIds, TimeSpan WallTime);
