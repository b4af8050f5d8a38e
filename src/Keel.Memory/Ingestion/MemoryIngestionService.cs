using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keel.Memory.Ingestion;

/// <summary>
/// Runs <see cref="SessionMemoryIngestor"/> for as long as the host runs: once at start (to catch up), every
/// <see cref="MemoryIngestionOptions.Interval"/>, and at once when <see cref="IngestNowAsync"/> asks.
/// A failed run is logged and retried at the next tick; the cursor makes the retry safe.
/// </summary>
public sealed partial class MemoryIngestionService : BackgroundService
{
    private readonly SessionMemoryIngestor _ingestor;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private TaskCompletionSource<MemoryIngestionResult> _next = NewRun();

    public MemoryIngestionService(SessionMemoryIngestor ingestor, TimeProvider? timeProvider = null, ILogger<MemoryIngestionService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(ingestor);
        _ingestor = ingestor;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// Asks for a run now and waits for it: one that starts after this call, so every message stored before the
    /// call is ingested when it returns. Throws what the run threw.
    /// </summary>
    public Task<MemoryIngestionResult> IngestNowAsync(CancellationToken cancellationToken = default)
    {
        var run = Volatile.Read(ref _next).Task;
        _wake.Writer.TryWrite(true);
        return run.WaitAsync(cancellationToken);
    }

    /// <summary>The next run to start, whatever starts it (the timer or a request): for watching the service work.</summary>
    public Task<MemoryIngestionResult> NextRunAsync(CancellationToken cancellationToken = default) =>
        Volatile.Read(ref _next).Task.WaitAsync(cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var run = Interlocked.Exchange(ref _next, NewRun());
            try
            {
                var result = await _ingestor.IngestAsync(stoppingToken).ConfigureAwait(false);
                if (result.Messages > 0)
                {
                    LogIngested(result.Messages, result.Added, result.Deduplicated);
                }

                run.TrySetResult(result);
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
        var tick = Task.Delay(_ingestor.Options.Interval, _time, wait.Token);
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

    private static TaskCompletionSource<MemoryIngestionResult> NewRun() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Information, Message = "Memory ingestion: {Messages} session messages, {Added} memories added, {Deduplicated} already stored.")]
    private partial void LogIngested(int messages, int added, int deduplicated);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Memory ingestion failed; it is retried at the next tick.")]
    private partial void LogFailed(Exception exception);
}
