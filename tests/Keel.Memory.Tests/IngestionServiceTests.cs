using Keel.Memory.Ingestion;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

using Xunit;

namespace Keel.Memory.Tests;

public sealed class IngestionServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

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

    private static async Task<long> CountAsync(ContextAssemblyKit kit) =>
        await kit.Store.CountMemoriesAsync(new MemoryFilter(new MemoryScope(kit.CustomerId)), Ct);

    [Fact]
    public async Task The_service_picks_up_new_messages_on_demand()
    {
        await using var kit = await ContextAssemblyKit.CreateAsync(Ct);
        using var ingestor = new SessionMemoryIngestor(kit.Store, (m, ct) => kit.Store.AddMemoriesAsync(m, ct).AsTask(), new MemoryIngestionOptions { Interval = Interval });
        using var service = new MemoryIngestionService(ingestor, new WatchedTime());
        var startup = service.NextRunAsync(Ct);
        await service.StartAsync(Ct);
        try
        {
            // The catch-up run at start must be over, or it could ingest the message below before the asked-for run.
            Assert.Equal(MemoryIngestionResult.None, await startup);
            var session = await kit.NewSessionAsync(Ct);
            await kit.SayAsync(session, [new ChatMessage(ChatRole.User, "I prefer window seats.")], cancellationToken: Ct);

            var run = await service.IngestNowAsync(Ct);

            Assert.Equal(1, run.Added);
            Assert.Equal(1, await CountAsync(kit));
            await kit.SayAsync(session, [new ChatMessage(ChatRole.Assistant, "Window seat it is.")], cancellationToken: Ct);
            Assert.Equal(1, (await service.IngestNowAsync(Ct)).Added);
            Assert.Equal(2, await CountAsync(kit));
        }
        finally
        {
            await service.StopAsync(Ct);
        }
    }

    [Fact]
    public async Task The_service_picks_up_new_messages_every_interval()
    {
        await using var kit = await ContextAssemblyKit.CreateAsync(Ct);
        var time = new WatchedTime();
        using var ingestor = new SessionMemoryIngestor(kit.Store, (m, ct) => kit.Store.AddMemoriesAsync(m, ct).AsTask(), new MemoryIngestionOptions { Interval = Interval });
        using var service = new MemoryIngestionService(ingestor, time);
        var startup = service.NextRunAsync(Ct);
        await service.StartAsync(Ct);
        try
        {
            Assert.Equal(MemoryIngestionResult.None, await startup);
            await time.Armed.WaitAsync(Ct); // the service now waits for its next tick
            await kit.SayAsync(await kit.NewSessionAsync(Ct), [new ChatMessage(ChatRole.User, "Call me Ishmael.")], cancellationToken: Ct);
            var tick = service.NextRunAsync(Ct);
            Assert.False(tick.IsCompleted);

            time.Advance(Interval);

            Assert.Equal(1, (await tick).Added);
            Assert.Equal(1, await CountAsync(kit));
        }
        finally
        {
            await service.StopAsync(Ct);
        }
    }
}
