using System.Threading.Channels;
using Keel.Journal;
using Keel.Telemetry.Otlp.Proto;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keel.Telemetry.Export;

/// <summary>
/// Sends Keel's committed spans to an OTLP endpoint, as OpenTelemetry's batch span processor would: spans wait in a
/// bounded queue and leave in batches, on a background loop, so recording a step never waits for the network.
/// When the queue is full (the collector is down or slow) new spans are dropped and counted, never blocked on.
/// Spans keep the ids Keel recorded them with; an OpenTelemetry SDK's <c>Activity</c> would mint new span ids.
/// </summary>
/// <remarks>
/// Registered on the store as a commit observer (<see cref="Storage.IKeelStore.AddCommitObserver"/>), it sees every
/// commit once it is stored, whoever made it (SDK steps, the gateway's batches, forks, task endings); a commit that
/// failed exports nothing. Commits of ingested spans (<see cref="StepCommit.Ingested"/>) are left out: they came from
/// an OpenTelemetry pipeline and are not sent back out.
/// </remarks>
public sealed partial class OtlpSpanExporter : ICommitObserver, IAsyncDisposable
{
    private readonly Channel<ExportedSpan> _queue;
    private readonly OtlpTraceSender _sender;
    private readonly HttpClient? _ownedHttp;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Resource _resource;
    private readonly InstrumentationScope _scope = new() { Name = "Keel", Version = OtlpExporterOptions.Version };
    private readonly Task _loop;
    private TaskCompletionSource _wake = NewSignal();
    private TaskCompletionSource _batchDone = NewSignal();
    private long _enqueued;
    private long _finished;
    private long _flushTarget;
    private long _exported;
    private long _failed;
    private long _dropped;
    private long _refusedCommits;
    private long _droppedReported;
    private volatile bool _closing;
    private int _disposed;

    /// <param name="http">The client to post with; the exporter makes (and disposes) its own when null.</param>
    public OtlpSpanExporter(OtlpExporterOptions options, HttpClient? http = null, ILogger<OtlpSpanExporter>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _ownedHttp = http is null ? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan } : null;
        _sender = new OtlpTraceSender(http ?? _ownedHttp!, options, _time, _logger);
        _resource = new Resource();
        foreach (var (key, value) in options.Resource)
        {
            _resource.Attributes.Add(new KeyValue { Key = key, Value = Otlp.OtlpValues.ToAnyValue(value) });
        }

        // Wait mode, but only TryWrite is used: a full queue refuses the span at once, and it is counted as dropped.
        _queue = Channel.CreateBounded<ExportedSpan>(new BoundedChannelOptions(options.MaxQueueSize)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    public OtlpExporterOptions Options { get; }

    /// <summary>Spans the endpoint accepted.</summary>
    public long Exported => Interlocked.Read(ref _exported);

    /// <summary>Spans in batches the endpoint refused, or that could not be delivered within their time.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Spans never sent: the queue was full, or their ids cannot be carried by OTLP.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Queues the spans of a commit the store has just made. Never blocks and never throws: a span that finds the
    /// queue full is dropped and counted.
    /// </summary>
    public void Add(StepCommit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        foreach (var span in OtlpSpans.Of(commit, Options.CaptureMessageContent))
        {
            Add(span);
        }
    }

    /// <summary>Commits the store refused (the store said so to their caller): nothing of them is stored, so nothing is exported.</summary>
    public long RefusedCommits => Interlocked.Read(ref _refusedCommits);

    /// <summary>Queues the spans of commits the store has just made, except ingested ones. Never blocks and never throws.</summary>
    public void OnCommitted(IReadOnlyList<StepCommit> commits)
    {
        ArgumentNullException.ThrowIfNull(commits);
        foreach (var commit in commits)
        {
            if (!commit.Ingested)
            {
                Add(commit);
            }
        }
    }

    /// <summary>Counts commits the store refused; their spans were never stored and are not exported.</summary>
    public void OnFailed(IReadOnlyList<StepCommit> commits)
    {
        ArgumentNullException.ThrowIfNull(commits);
        Interlocked.Add(ref _refusedCommits, commits.Count);
    }

    internal void Add(ExportedSpan span)
    {
        // Counted before it is queued, so that FlushAsync never returns while the span sits in the queue.
        Interlocked.Increment(ref _enqueued);
        if (!_queue.Writer.TryWrite(span))
        {
            Interlocked.Increment(ref _dropped);
            Interlocked.Increment(ref _finished);
            return;
        }

        if (_queue.Reader.Count >= Options.MaxExportBatchSize)
        {
            Wake();
        }
    }

    /// <summary>Sends everything queued before the call now, without waiting for full batches, and waits until it has been sent (or has failed).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var target = Interlocked.Read(ref _enqueued);
        for (var current = Interlocked.Read(ref _flushTarget); current < target; current = Interlocked.Read(ref _flushTarget))
        {
            if (Interlocked.CompareExchange(ref _flushTarget, target, current) == current)
            {
                break;
            }
        }

        Wake();
        while (true)
        {
            // Take the signal before checking, and the loop counts before it signals: no batch can slip between.
            var batchDone = Volatile.Read(ref _batchDone);
            if (Interlocked.Read(ref _finished) >= target || _loop.IsCompleted)
            {
                return;
            }

            await batchDone.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends what is queued, for at most <see cref="OtlpExporterOptions.ExportTimeout"/>, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _closing = true;
        _queue.Writer.TryComplete();
        Wake();
        _stopping.CancelAfter(Options.ExportTimeout);
        await _loop.ConfigureAwait(false);
        _stopping.Dispose();
        _ownedHttp?.Dispose();
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<ExportedSpan>(Options.MaxExportBatchSize);
        while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            await WaitForBatchAsync().ConfigureAwait(false);
            while (batch.Count < Options.MaxExportBatchSize && reader.TryRead(out var span))
            {
                batch.Add(span);
            }

            try
            {
                await ExportAsync(batch).ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Add(ref _finished, batch.Count);
                Interlocked.Exchange(ref _batchDone, NewSignal()).TrySetResult();
                batch.Clear();
            }
        }
    }

    /// <summary>Waits until a batch is full, the schedule delay has passed, or a flush or shutdown asks for it now.</summary>
    private async Task WaitForBatchAsync()
    {
        var wake = NewSignal();
        Volatile.Write(ref _wake, wake);
        if (_closing || _queue.Reader.Count >= Options.MaxExportBatchSize || Interlocked.Read(ref _flushTarget) > Interlocked.Read(ref _finished))
        {
            return;
        }

        using var delayEnds = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        var delay = Task.Delay(Options.ScheduleDelay, _time, delayEnds.Token);
        await Task.WhenAny(wake.Task, delay).ConfigureAwait(false);
        await delayEnds.CancelAsync().ConfigureAwait(false);
    }

    private async Task ExportAsync(List<ExportedSpan> batch)
    {
        var spans = new ScopeSpans { Scope = _scope };
        foreach (var exported in batch)
        {
            if (OtlpSpans.ToOtlp(exported) is { } span)
            {
                spans.Spans.Add(span);
            }
            else
            {
                Interlocked.Increment(ref _dropped);
            }
        }

        ReportDrops();
        if (spans.Spans.Count == 0)
        {
            return;
        }

        var request = new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { Resource = _resource, ScopeSpans = { spans } } } };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        deadline.CancelAfter(Options.ExportTimeout);
        var sent = false;
        try
        {
            sent = await _sender.SendAsync(request, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            LogOutOfTime(_logger, spans.Spans.Count, Options.Endpoint);
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or IOException)
        {
            // A request the client cannot even make (say, a proxy setting it cannot use): the batch is lost, the loop goes on.
            LogFailed(_logger, spans.Spans.Count, Options.Endpoint, ex);
        }

        Interlocked.Add(ref sent ? ref _exported : ref _failed, spans.Spans.Count);
    }

    private void ReportDrops()
    {
        var dropped = Interlocked.Read(ref _dropped);
        var since = dropped - _droppedReported;
        if (since > 0)
        {
            _droppedReported = dropped;
            LogDropped(_logger, since, Options.MaxQueueSize);
        }
    }

    private void Wake() => Volatile.Read(ref _wake).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP export: {Dropped} spans were dropped (the queue of {Capacity} was full, or their ids were not valid trace-context ids).")]
    private static partial void LogDropped(ILogger logger, long dropped, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP export: {Spans} spans could not be sent to {Endpoint}.")]
    private static partial void LogFailed(ILogger logger, int spans, Uri endpoint, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP export: {Spans} spans could not be sent to {Endpoint} in time.")]
    private static partial void LogOutOfTime(ILogger logger, int spans, Uri endpoint);
}
