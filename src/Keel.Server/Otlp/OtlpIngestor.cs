using Keel.Journal;
using Keel.Pricing;
using Keel.Storage;
using Keel.Telemetry.Otlp;
using Keel.Telemetry.Otlp.Proto;
using Microsoft.Extensions.Logging;

namespace Keel.Server.Otlp;

/// <summary>
/// Stores the spans of an OTLP export request as Keel tasks, steps and spans (see <see cref="TraceCommits"/> for the
/// mapping), so that agents built with other frameworks show in <c>keel tasks</c>, <c>keel trace</c> and the
/// dashboard beside Keel's own. Idempotent: a span already stored (an exporter's retry, a collector sending twice)
/// is accepted and left alone, so each span is stored once and each model call priced once.
/// </summary>
public sealed partial class OtlpIngestor(IKeelStore store, PriceTable prices, ILogger<OtlpIngestor> logger) : IDisposable
{
    /// <summary>The customer spans sent with the admin token are filed under when their resource names none.</summary>
    public const string DefaultCustomer = "otlp";

    /// <summary>The resource attribute that names the customer (by name or id) for spans sent with the admin token.</summary>
    public const string CustomerAttribute = "keel.customer";

    // One request at a time: the embedded store has one writer anyway, and a trace split over two concurrent requests
    // must not number two steps alike or store a span twice.
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IngestResult> IngestAsync(IngestCaller caller, ExportTraceServiceRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(request);
        var (spans, invalid) = await FlattenAsync(caller, request, cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another process on the same database may store some of these spans between our read and our write;
            // its commits then fail here, and a second pass skips what it stored.
            for (var pass = 1; ; pass++)
            {
                var (commits, stored, duplicates, foreign) = await PlanAsync(caller, spans, cancellationToken).ConfigureAwait(false);
                try
                {
                    if (commits.Count > 0)
                    {
                        await store.CommitBatchAsync(commits, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (AggregateException ex) when (pass < 3)
                {
                    LogRetry(logger, ex.InnerExceptions.Count, ex.InnerExceptions[0]);
                    continue;
                }

                var rejected = invalid + foreign;
                return new IngestResult(stored, duplicates, rejected, rejected == 0 ? null : Explain(invalid, foreign));
            }
        }
        finally
        {
            _gate.Release();
        }
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
            foreach (var span in resourceSpans.ScopeSpans.SelectMany(s => s.Spans))
            {
                if (OtlpIds.IsValid(span.TraceId, OtlpIds.TraceIdBytes) && OtlpIds.IsValid(span.SpanId, OtlpIds.SpanIdBytes)
                    && (span.ParentSpanId.IsEmpty || span.ParentSpanId.Length == OtlpIds.SpanIdBytes))
                {
                    spans.Add(new IngestedSpan(span, customerId, service));
                }
                else
                {
                    invalid++;
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

    /// <summary>The commits that store what is new, trace by trace, read against what the store holds now.</summary>
    private async Task<(List<StepCommit> Commits, int Stored, int Duplicates, int Foreign)> PlanAsync(
        IngestCaller caller, List<IngestedSpan> spans, CancellationToken cancellationToken)
    {
        var commits = new List<StepCommit>();
        int stored = 0, duplicates = 0, foreign = 0;
        foreach (var trace in spans.GroupBy(s => (s.CustomerId, s.TraceId)))
        {
            var taskId = TraceCommits.TaskId(trace.Key.TraceId);
            // An exact lookup: FindTaskAsync also matches id prefixes, which no index serves.
            var existing = (await store.GetTaskSummaryAsync(taskId, cancellationToken).ConfigureAwait(false))?.Task;
            if (existing is not null && existing.CustomerId != trace.Key.CustomerId)
            {
                foreign += trace.Count(); // another customer's trace: never added to, and not said to exist
                continue;
            }

            var known = existing is null
                ? []
                : (await store.GetSpansAsync(taskId, cancellationToken).ConfigureAwait(false)).Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
            var fresh = trace.Where(s => known.Add(s.SpanId)).ToList(); // Add is false for a stored span, or a repeat in this request
            duplicates += trace.Count() - fresh.Count;
            if (fresh.Count == 0)
            {
                continue;
            }

            var nextSeq = existing is null ? 1 : await store.NextStepSeqAsync(taskId, cancellationToken).ConfigureAwait(false);
            var sessionId = existing is null ? await SessionOfAsync(fresh, trace.Key.CustomerId, cancellationToken).ConfigureAwait(false) : existing.SessionId;
            commits.AddRange(TraceCommits.Build(existing, fresh, nextSeq, sessionId, caller.ApiKeyId, prices));
            stored += fresh.Count;
        }

        return (commits, stored, duplicates, foreign);
    }

    /// <summary>The session a trace's <c>gen_ai.conversation.id</c> names, made the customer's when new; none when it is another customer's.</summary>
    private async Task<string?> SessionOfAsync(List<IngestedSpan> spans, string customerId, CancellationToken cancellationToken)
    {
        var conversation = spans.Select(s => s.Text(Tracing.GenAiAttributes.ConversationId)).FirstOrDefault(c => !string.IsNullOrWhiteSpace(c));
        if (conversation is null)
        {
            return null;
        }

        var session = await store.EnsureSessionAsync(conversation, customerId, cancellationToken).ConfigureAwait(false);
        return session.CustomerId == customerId ? session.Id : null;
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
}
