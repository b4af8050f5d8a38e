using Keel.Memory.Retention;
using Keel.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Keel.Memory.Tests;

/// <summary>
/// The hosted retention service over a real SQLite store that shares its fake clock, so memories age without
/// sleeping: it applies the policies at start and at every tick, and forgets only what a policy expires.
/// </summary>
public sealed class RetentionServiceTests : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    private readonly string _folder = Directory.CreateTempSubdirectory("keel-memory-retention-tests-").FullName;
    private readonly WatchedTime _time = new();
    private SqliteKeelStore? _store;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Fake time that says when a timer is armed, so a test advances the clock only once the service waits.</summary>
    private sealed class WatchedTime : FakeTimeProvider
    {
        public SemaphoreSlim Armed { get; } = new(0);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            Armed.Release();
            return timer;
        }
    }

    private async Task<(SqliteKeelStore Store, MemoryScope Kept, MemoryScope Expiring)> SeedAsync(TimeSpan maxAge)
    {
        _store = await SqliteKeelStore.OpenAsync(Path.Combine(_folder, "keel.db"), new SqliteStoreOptions { TimeProvider = _time }, Ct);
        var customer = (await _store.EnsureCustomerAsync("acme", Ct)).Id;
        var expiring = new MemoryScope(customer, userId: "ann");
        var kept = new MemoryScope(customer, userId: "bob");
        await _store.AddMemoriesAsync(
        [
            new NewMemory(expiring, MemoryKind.Episodic, "Ann asked about her invoice"),
            new NewMemory(expiring, MemoryKind.Semantic, "Ann lives in Porto"),
            new NewMemory(kept, MemoryKind.Episodic, "Bob asked about his invoice"),
        ], Ct);
        await _store.SetMemoryRetentionAsync(new MemoryRetention(expiring, maxAge) { Kinds = [MemoryKind.Episodic] }, Ct);
        return (_store, kept, expiring);
    }

    private static async Task<List<string>> TextsAsync(SqliteKeelStore store, MemoryScope scope) =>
        [.. (await store.ListMemoriesAsync(new MemoryFilter(scope) { IncludeHistory = true }, cancellationToken: Ct)).Select(m => m.Text).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task The_service_applies_retention_when_it_starts()
    {
        var (store, kept, expiring) = await SeedAsync(TimeSpan.FromDays(7));
        _time.Advance(TimeSpan.FromDays(8)); // the host was down while the memory aged
        using var service = new MemoryRetentionService(store, new MemoryRetentionOptions { Interval = Interval }, _time);
        var startup = service.NextRunAsync(Ct);

        await service.StartAsync(Ct);
        try
        {
            var run = await startup;

            Assert.Equal(1, run.Removed);
            Assert.Equal(_time.GetUtcNow(), run.AppliedAt);
            Assert.Equal(["Ann lives in Porto"], await TextsAsync(store, expiring)); // a semantic memory: the policy expires episodic ones only
            Assert.Equal(["Bob asked about his invoice"], await TextsAsync(store, kept)); // no policy for Bob's scope
        }
        finally
        {
            await service.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task The_service_applies_retention_every_interval_and_forgets_only_what_has_expired()
    {
        var (store, kept, expiring) = await SeedAsync(TimeSpan.FromHours(2.5));
        using var service = new MemoryRetentionService(store, new MemoryRetentionOptions { Interval = Interval }, _time);
        var startup = service.NextRunAsync(Ct);
        await service.StartAsync(Ct);
        try
        {
            Assert.Equal(0, (await startup).Removed);
            for (var hour = 1; hour <= 2; hour++)
            {
                await _time.Armed.WaitAsync(Ct); // the service now waits for its next tick
                var early = service.NextRunAsync(Ct);
                Assert.False(early.IsCompleted);
                _time.Advance(Interval);
                Assert.Equal(0, (await early).Removed); // 1 h and 2 h old: within the 2.5 h policy
            }

            await _time.Armed.WaitAsync(Ct);
            var tick = service.NextRunAsync(Ct);
            _time.Advance(Interval);
            var run = await tick;

            Assert.Equal(1, run.Removed);
            Assert.Equal(["Ann lives in Porto"], await TextsAsync(store, expiring));
            Assert.Equal(["Bob asked about his invoice"], await TextsAsync(store, kept));
        }
        finally
        {
            await service.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task ApplyNow_runs_at_once_without_waiting_for_the_interval()
    {
        var (store, _, expiring) = await SeedAsync(TimeSpan.FromDays(1));
        using var service = new MemoryRetentionService(store, new MemoryRetentionOptions { Interval = Interval }, _time);
        var startup = service.NextRunAsync(Ct);
        await service.StartAsync(Ct);
        try
        {
            Assert.Equal(0, (await startup).Removed);
            await store.SetMemoryRetentionAsync(new MemoryRetention(expiring, TimeSpan.FromMinutes(1)), Ct); // every kind now
            _time.SetUtcNow(_time.GetUtcNow() + TimeSpan.FromMinutes(30)); // past the new policy, not yet the tick

            Assert.Equal(2, (await service.ApplyNowAsync(Ct)).Removed);
            Assert.Empty(await TextsAsync(store, expiring));
        }
        finally
        {
            await service.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task AddKeelMemory_registers_the_hosted_service_unless_told_not_to()
    {
        var (store, _, _) = await SeedAsync(TimeSpan.FromDays(1));
        var services = new ServiceCollection().AddSingleton<Keel.Storage.IKeelStore>(store).AddSingleton<TimeProvider>(_time);
        services.AddKeelMemory(memory => memory.Ingestion = memory.Ingestion with { RunInBackground = false });
        await using (var provider = services.BuildServiceProvider())
        {
            var hosted = provider.GetServices<IHostedService>().ToList();
            Assert.Same(provider.GetRequiredService<MemoryRetentionService>(), Assert.Single(hosted));
        }

        var off = new ServiceCollection().AddSingleton<Keel.Storage.IKeelStore>(store);
        off.AddKeelMemory(memory => memory.Retention = memory.Retention with { RunInBackground = false });
        await using var without = off.BuildServiceProvider();
        Assert.DoesNotContain(without.GetServices<IHostedService>(), s => s is MemoryRetentionService);
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        _time.Armed.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
