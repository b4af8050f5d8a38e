using System.Collections.Concurrent;
using Keel.Journal;
using Keel.Pricing;
using Keel.Storage;
using Keel.Telemetry.Otlp;
using Keel.Telemetry.Otlp.Proto;
using Microsoft.Extensions.Logging;

namespace Keel.Server.Otlp;

/// <summary>
/// Stores the spans of OTLP export requests as Keel tasks, steps and spans (see <see cref="TraceCommits"/> for the
/// mapping), so that agents built with other frameworks show in <c>keel tasks</c>, <c>keel trace</c> and the
/// dashboard beside Keel's own. Idempotent: a span already stored (an exporter's retry, a collector sending twice)
/// is accepted and left alone, so each span is stored once and each model call priced once.
/// </summary>
/// <remarks>
/// Group commit: the embedded store has one writer, so requests are stored one batch at a time, and the requests that
/// arrive while a batch is being stored are planned and committed together as the next batch (one read of the traces
/// they name, one transaction). Each request is answered once its own spans are committed; when a batch fails, its
/// requests are stored one by one, so a bad request fails alone.
/// </remarks>
public sealed partial class OtlpIngestor(IKeelStore store, PriceTable prices, ILogger<OtlpIngestor> logger, TimeProvider? time = null) : IDisposable
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The customer spans sent with the admin token are filed under when their resource names none.</summary>
    public const string DefaultCustomer = "otlp";

    /// <summary>The resource attribute that names the customer (by name or id) for spans sent with the admin token.</summary>
    public const string CustomerAttribute = "keel.customer";

    /// <summary>A batch takes queued requests up to this many spans (and at least one request): a bound on its transaction.</summary>
    private const int MaxBatchSpans = 8_192;

    private readonly ConcurrentQueue<PendingRequest> _queue = new();

    // Held by the request storing a batch. Batches never overlap, so a trace split over concurrent requests never numbers
    // two steps alike or stores a span twice: requests in one batch are planned together, later batches read what it stored.
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IngestResult> IngestAsync(IngestCaller caller, ExportTraceServiceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        var (spans, invalid) = await FlattenAsync(caller, request, cancellationToken).ConfigureAwait(false);
        var pending = new PendingRequest(spans, invalid);
        if (spans.Count == 0)
        {
            return pending.Result();
        }

        _queue.Enqueue(pending);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Unless an earlier holder of the gate stored this request with its batch, store the queue, ours included.
            while (!pending.Done.Task.IsCompleted)
            {
                await StoreBatchAsync(TakeBatch()).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }

        return await pending.Done.Task.ConfigureAwait(false);
    }

    private List<PendingRequest> TakeBatch()
    {
        var batch = new List<PendingRequest>();
        var spans = 0;
        while ((batch.Count == 0 || spans < MaxBatchSpans) && _queue.TryDequeue(out var next))
        {
            batch.Add(next);
            spans += next.Spans.Count;
        }

        return batch;
    }

    /// <summary>Stores a batch and answers its requests; never throws (a request's failure is its answer).</summary>
    private async Task StoreBatchAsync(List<PendingRequest> batch)
    {
        try
        {
            // Not cancelled with any one request: the batch holds the others' spans too, and is short.
            await StoreAsync(batch).ConfigureAwait(false);
            foreach (var request in batch)
            {
                request.Done.TrySetResult(request.Result());
            }
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            LogBatchFailed(logger, batch.Count, ex);
            foreach (var request in batch)
            {
                await StoreBatchAsync([request]).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            batch[0].Done.TrySetException(ex);
        }
    }

    /// <summary>Plans and commits a batch; re-plans when commits failed because another writer stored some of its spans meanwhile.</summary>
    private async Task StoreAsync(List<PendingRequest> batch)
    {
        for (var pass = 1; ; pass++)
        {
            var commits = await PlanAsync(batch).ConfigureAwait(false);
            try
            {
                if (commits.Count > 0)
                {
                    await store.CommitBatchAsync(commits).ConfigureAwait(false);
                }

                return;
            }
            catch (AggregateException ex) when (pass < 3)
            {
                // Another process on the same database stored some of these spans (or made the trace's task) between our
                // read and our write: its commits failed here, and the next pass reads what it stored.
                LogRetry(logger, ex.InnerExceptions.Count, ex.InnerExceptions[0]);
            }
        }
    }

    /// <summary>
    /// The commits that store what is new in the batch, read against what the store holds now in one lookup. A trace
    /// belongs to the customer of its stored task, else to the customer of its first span in the batch; spans of it
    /// from anyone else are refused.
    /// </summary>
    private async Task<List<StepCommit>> PlanAsync(List<PendingRequest> batch)
    {
        var traceIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var request in batch)
        {
            request.ResetCounts();
            foreach (var span in request.Spans)
            {
                traceIds.Add(span.TraceId);
            }
        }

        var stored = await store.GetIngestedTracesAsync(traceIds).ConfigureAwait(false);
        var known = new Dictionary<string, IngestedTrace>(stored.Count, StringComparer.Ordinal);
        foreach (var trace in stored)
        {
            known[trace.TraceId] = trace;
        }

        var traces = new Dictionary<string, TracePlan>(traceIds.Count, StringComparer.Ordinal);
        foreach (var request in batch)
        {
            foreach (var span in request.Spans)
            {
                if (!traces.TryGetValue(span.TraceId, out var trace))
                {
                    var existing = known.GetValueOrDefault(span.TraceId);
                    trace = new TracePlan(existing, existing?.Task.CustomerId ?? span.CustomerId,
                        existing is null ? new HashSet<string>(StringComparer.Ordinal) : new HashSet<string>(existing.SpanIds, StringComparer.Ordinal));
                    traces.Add(span.TraceId, trace);
                }

                if (span.CustomerId != trace.CustomerId)
                {
                    request.Foreign++; // another customer's trace: never added to, and not said to exist
                }
                else if (!trace.SpanIds.Add(span.SpanId))
                {
                    request.Duplicates++; // stored before, or a repeat in this batch
                }
                else
                {
                    trace.Fresh.Add(span);
                    request.Stored++;
                }
            }
        }

        var commits = new List<StepCommit>(batch.Sum(r => r.Spans.Count));
        var now = _time.GetUtcNow();
        Dictionary<(string, string), string?>? sessions = null;
        foreach (var trace in traces.Values)
        {
            if (trace.Fresh.Count == 0)
            {
                continue;
            }

            var sessionId = trace.Existing is { } existing
                ? existing.Task.SessionId
                : await SessionOfAsync(trace.Fresh, trace.CustomerId, sessions ??= []).ConfigureAwait(false);
            TraceCommits.Build(commits, trace.Existing, trace.Fresh, sessionId, prices, now);
        }

        return commits;
    }

    private async Task<(List<IngestedSpan> Spans, int Invalid)> FlattenAsync(IngestCaller caller, ExportTraceServiceRequest request, CancellationToken cancellationToken)
    {
        var spans = new List<IngestedSpan>();
        var invalid = 0;
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var resource = resourceSpans.Resource?.Attributes ?? [];
            var customerId = caller.CustomerId ?? await CustomerOfAsync(Text(resource, CustomerAttribute), cancellationToken).ConfigureAwait(false);
            var service = Text(resource, "service.name");
            foreach (var scope in resourceSpans.ScopeSpans)
            {
                foreach (var span in scope.Spans)
                {
                    if (OtlpIds.IsValid(span.TraceId, OtlpIds.TraceIdBytes) && OtlpIds.IsValid(span.SpanId, OtlpIds.SpanIdBytes)
                        && (span.ParentSpanId.IsEmpty || span.ParentSpanId.Length == OtlpIds.SpanIdBytes))
                    {
                        spans.Add(new IngestedSpan(span, customerId, service, caller.ApiKeyId));
                    }
                    else
                    {
                        invalid++;
                    }
                }
            }
        }

        return (spans, invalid);
    }

    private async Task<string> CustomerOfAsync(string? named, CancellationToken cancellationToken)
    {
        if (named is not null && await store.FindCustomerAsync(named, cancellationToken).ConfigureAwait(false) is { } found)
        {
            return found.Id;
        }

        return (await store.EnsureCustomerAsync(named ?? DefaultCustomer, cancellationToken).ConfigureAwait(false)).Id;
    }

    /// <summary>The session a trace's <c>gen_ai.conversation.id</c> names, made the customer's when new; none when it is another customer's.</summary>
    private async Task<string?> SessionOfAsync(List<IngestedSpan> spans, string customerId, Dictionary<(string, string), string?> known)
    {
        string? conversation = null;
        foreach (var span in spans)
        {
            if (span.Text(Tracing.GenAiAttributes.ConversationId) is { } named && !string.IsNullOrWhiteSpace(named))
            {
                conversation = named;
                break;
            }
        }

        if (conversation is null)
        {
            return null;
        }

        if (!known.TryGetValue((conversation, customerId), out var sessionId))
        {
            var session = await store.EnsureSessionAsync(conversation, customerId).ConfigureAwait(false);
            known[(conversation, customerId)] = sessionId = session.CustomerId == customerId ? session.Id : null;
        }

        return sessionId;
    }

    public void Dispose() => _gate.Dispose();

    private static string? Text(IEnumerable<KeyValue> attributes, string key) =>
        attributes.LastOrDefault(a => a.Key == key)?.Value is { ValueCase: AnyValue.ValueOneofCase.StringValue } value && value.StringValue.Length > 0 ? value.StringValue : null;

    private static string Explain(int invalid, int foreign) => (invalid, foreign) switch
    {
        ( > 0, > 0) => $"{invalid} spans have invalid trace or span ids; {foreign} belong to traces this key may not write to.",
        ( > 0, _) => $"{invalid} spans have invalid trace or span ids (a trace id is 16 bytes, a span id 8, not all zero).",
        _ => $"{foreign} spans belong to traces this key may not write to.",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "OTLP ingest: {Failed} commits failed (spans stored meanwhile by another writer?); retrying.")]
    private static partial void LogRetry(ILogger logger, int failed, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP ingest: a batch of {Requests} export requests failed; storing them one by one.")]
    private static partial void LogBatchFailed(ILogger logger, int requests, Exception error);

    /// <summary>A trace of a batch: its task as stored (null for a new trace), its owner, the span ids stored or taken, the spans to store.</summary>
    private sealed record TracePlan(IngestedTrace? Existing, string CustomerId, HashSet<string> SpanIds)
    {
        public List<IngestedSpan> Fresh { get; } = [];
    }

    /// <summary>A request waiting to be stored with a batch, and what became of its spans.</summary>
    private sealed class PendingRequest(List<IngestedSpan> spans, int invalid)
    {
        public List<IngestedSpan> Spans { get; } = spans;

        public TaskCompletionSource<IngestResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Stored { get; set; }

        public int Duplicates { get; set; }

        public int Foreign { get; set; }

        public void ResetCounts() => (Stored, Duplicates, Foreign) = (0, 0, 0);

        public IngestResult Result()
        {
            var rejected = invalid + Foreign;
            return new IngestResult(Stored, Duplicates, rejected, rejected == 0 ? null : Explain(invalid, Foreign));
        }
    }
}
