using Keel.Metering;
using Keel.Pricing;
using Keel.Resilience;
using Keel.Routing;
using Keel.Storage.Sqlite;
using Keel.Tasks;
using Keel.Workers;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Runtime.Tests;

/// <summary>
/// A runtime over a SQLite file on a fake clock that a test can crash (the store goes away mid-task, as with a
/// killed process) and restart (the file opened again by a new store and runtime), as a worker host would.
/// </summary>
internal sealed class DurableHost : IAsyncDisposable
{
    public const string Model = "m";

    private static readonly ResilienceOptions Fast = new() { MaxRetries = 0, BaseDelay = TimeSpan.FromMilliseconds(1), AttemptTimeout = TimeSpan.FromSeconds(5) };

    private readonly string _folder = Directory.CreateTempSubdirectory("keel-durable-tests-").FullName;
    private bool _crashed;

    private DurableHost()
    {
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));

    public SqliteKeelStore Store { get; private set; } = null!;

    public AgentRuntime Runtime { get; private set; } = null!;

    public string CustomerId { get; private set; } = null!;

    private string DbPath => Path.Combine(_folder, "keel.db");

    public static async Task<DurableHost> StartAsync()
    {
        var host = new DurableHost();
        await host.OpenAsync();
        host.CustomerId = (await host.Store.EnsureCustomerAsync("acme", Xunit.TestContext.Current.CancellationToken)).Id;
        return host;
    }

    /// <summary>A runtime over the same store with a clock of its own: a second worker process, possibly stalled.</summary>
    /// <param name="time">The runtime's clock.</param>
    /// <param name="lease">How long its leases last; null keeps the runtime's default.</param>
    public AgentRuntime RuntimeOn(TimeProvider time, TimeSpan? lease = null)
    {
        var caller = new ResilientModelCaller(new ModelCatalog([new ModelRoute(Model, [Sim.Deployment("sim")])]), Fast);
        return lease is { } length
            ? new(Store, caller, new UsageMeter(PriceTable.Default), time) { Lease = length }
            : new(Store, caller, new UsageMeter(PriceTable.Default), time);
    }

    public TaskWorkerPool Pool(params IAgent[] agents) => Pool(new WorkerOptions(), agents);

    public TaskWorkerPool Pool(WorkerOptions options, params IAgent[] agents) => new(Runtime, new AgentRegistry(agents), options);

    /// <summary>Runs every task of these agents that is runnable now (or becomes so without a person) with a new worker pool.</summary>
    public Task<int> DrainAsync(params IAgent[] agents) => DrainAsync(Pool(agents));

    /// <summary>
    /// Drains with <paramref name="pool"/>, but gives up after a while of real time: a drain left waiting on the
    /// fake clock fails its test instead of hanging the run.
    /// </summary>
    public static async Task<int> DrainAsync(TaskWorkerPool pool)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Xunit.TestContext.Current.CancellationToken);
        guard.CancelAfter(TimeSpan.FromSeconds(30));
        return await pool.DrainAsync(guard.Token);
    }

    public async Task<AgentTask> TaskAsync(string id) =>
        await Store.FindTaskAsync(id, Xunit.TestContext.Current.CancellationToken) ?? throw new InvalidOperationException($"No task {id}.");

    /// <summary>The process dies: the store goes away under the running code, and nothing more reaches the file.</summary>
    public async Task CrashAsync()
    {
        _crashed = true;
        await Store.DisposeAsync();
    }

    /// <summary>A new process: the file is opened again and a new runtime runs over it, on the same clock.</summary>
    public async Task RestartAsync()
    {
        if (!_crashed)
        {
            await Store.DisposeAsync();
        }

        await OpenAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_crashed)
        {
            await Store.DisposeAsync();
        }

        Directory.Delete(_folder, recursive: true);
    }

    private async Task OpenAsync()
    {
        Store = await SqliteKeelStore.OpenAsync(DbPath, cancellationToken: Xunit.TestContext.Current.CancellationToken);
        Runtime = RuntimeOn(Time);
        _crashed = false;
    }
}
