using Keel.Memory.Hosting;
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
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RecurringRun<MemoryRetentionResult> _runs;

    public MemoryRetentionService(IKeelStore store, MemoryRetentionOptions? options = null, TimeProvider? timeProvider = null, ILogger<MemoryRetentionService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        options ??= new MemoryRetentionOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero, nameof(options));
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _runs = new(ApplyAsync, options.Interval, _time, LogFailed);
    }

    /// <summary>
    /// Asks for a run now and waits for it: one that starts after this call, so a policy set before the call is
    /// applied when it returns. Throws what the run threw.
    /// </summary>
    public Task<MemoryRetentionResult> ApplyNowAsync(CancellationToken cancellationToken = default) => _runs.RunNowAsync(cancellationToken);

    /// <summary>The next run to start, whatever starts it (the timer or a request): for watching the service work.</summary>
    public Task<MemoryRetentionResult> NextRunAsync(CancellationToken cancellationToken = default) => _runs.NextRunAsync(cancellationToken);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _runs.RunAsync(stoppingToken);

    private async Task<MemoryRetentionResult> ApplyAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var removed = await _store.ApplyMemoryRetentionAsync(now, cancellationToken).ConfigureAwait(false);
        if (removed.Count > 0)
        {
            LogRemoved(removed.Count, now);
        }

        return new MemoryRetentionResult(now, removed);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Memory retention: {Removed} memories older than their scope's policy forgotten (as of {Now}).")]
    private partial void LogRemoved(int removed, DateTimeOffset now);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Memory retention failed; it is retried at the next tick.")]
    private partial void LogFailed(Exception exception);
}
