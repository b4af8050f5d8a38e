using Keel.Memory.Hosting;
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
    private readonly ILogger _logger;
    private readonly RecurringRun<MemoryIngestionResult> _runs;

    public MemoryIngestionService(SessionMemoryIngestor ingestor, TimeProvider? timeProvider = null, ILogger<MemoryIngestionService>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(ingestor);
        _ingestor = ingestor;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _runs = new(IngestAsync, ingestor.Options.Interval, timeProvider ?? TimeProvider.System, LogFailed);
    }

    /// <summary>
    /// Asks for a run now and waits for it: one that starts after this call, so every message stored before the
    /// call is ingested when it returns. Throws what the run threw.
    /// </summary>
    public Task<MemoryIngestionResult> IngestNowAsync(CancellationToken cancellationToken = default) => _runs.RunNowAsync(cancellationToken);

    /// <summary>The next run to start, whatever starts it (the timer or a request): for watching the service work.</summary>
    public Task<MemoryIngestionResult> NextRunAsync(CancellationToken cancellationToken = default) => _runs.NextRunAsync(cancellationToken);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _runs.RunAsync(stoppingToken);

    private async Task<MemoryIngestionResult> IngestAsync(CancellationToken cancellationToken)
    {
        var result = await _ingestor.IngestAsync(cancellationToken).ConfigureAwait(false);
        if (result.Messages > 0)
        {
            LogIngested(result.Messages, result.Added, result.Deduplicated);
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Memory ingestion: {Messages} session messages, {Added} memories added, {Deduplicated} already stored.")]
    private partial void LogIngested(int messages, int added, int deduplicated);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Memory ingestion failed; it is retried at the next tick.")]
    private partial void LogFailed(Exception exception);
}
