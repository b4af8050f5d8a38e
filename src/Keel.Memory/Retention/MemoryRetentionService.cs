using System.Threading.Channels;
using Keel.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keel.Memory.Retention;

/// <summary>
/// Applies every scope's retention policy (<see cref="IKeelStore.SetMemoryRetentionAsync"/>) for as long as the host
/// runs: once at start, every <see cref="MemoryRetentionOptions.Interval"/>, and at once when
/// <see cref="ApplyNowAsync"/> asks. The store forgets text, embeddings and index entries; the memory service reads
/// results back from the store, so its cached vectors of a removed memory never surface. A failed run is logged and
/// retried at the next tick: applying is idempotent.
/// </summary>
public sealed partial class MemoryRetentionService : BackgroundService
{
    private readonly IKeelStore _store;
    private readonly MemoryRetentionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private TaskCompletionSource<MemoryRetentionResult> _next = NewRun();

    public MemoryRetentionService(IKeelStore store, MemoryRetentionOptions? options = null, TimeProvider? timeProvider = null, ILogger<MemoryRetentionService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _options = options ?? new MemoryRetentionOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.Interval, TimeSpan.Zero, nameof(options));
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// Asks for a run now and waits for it: one that starts after this call, so a policy set before the call is
    /// applied when it returns. Throws what the run threw.
    /// </summary>
    public Task<MemoryRetentionResult> ApplyNowAsync(CancellationToken cancellationToken = default)
    {
        var run = Volatile.Read(ref _next).Task;
        _wake.Writer.TryWrite(true);
        return run.WaitAsync(cancellationToken);
    }

    /// <summary>The next run to start, whatever starts it (the timer or a request): for watching the service work.</summary>
    public Task<MemoryRetentionResult> NextRunAsync(CancellationToken cancellationToken = default) =>
        Volatile.Read(ref _next).Task.WaitAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var run = Interlocked.Exchange(ref _next, NewRun());
            try
            {
                var now = _time.GetUtcNow();
                var removed = await _store.ApplyMemoryRetentionAsync(now, stoppingToken).ConfigureAwait(false);
                if (removed.Count > 0)
                {
                    LogRemoved(removed.Count, now);
                }

                run.TrySetResult(new MemoryRetentionResult(now, removed));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                run.TrySetCanceled(stoppingToken);
                return;
            }
            catch (Exception ex)
            {
                LogFailed(ex);
                run.TrySetException(ex);
            }

            await WaitForTickOrRequestAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task WaitForTickOrRequestAsync(CancellationToken stoppingToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var tick = Task.Delay(_options.Interval, _time, wait.Token);
        var request = _wake.Reader.WaitToReadAsync(wait.Token).AsTask();
        await Task.WhenAny(tick, request).ConfigureAwait(false);
        await wait.CancelAsync().ConfigureAwait(false);
        _wake.Reader.TryRead(out _);
        try
        {
            await Task.WhenAll(tick, request).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The wait that lost (or the host stopping): nothing to do.
        }
    }

    private static TaskCompletionSource<MemoryRetentionResult> NewRun() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Information, Message = "Memory retention: {Removed} memories older than their scope's policy forgotten (as of {Now}).")]
    private partial void LogRemoved(int removed, DateTimeOffset now);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Memory retention failed; it is retried at the next tick.")]
    private partial void LogFailed(Exception exception);
}
