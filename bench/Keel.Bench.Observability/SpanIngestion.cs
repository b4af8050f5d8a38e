using System.Diagnostics;
using Keel.Journal;
using Keel.Pricing;
using Keel.Server.Otlp;
using Keel.Storage;
using Keel.Tasks;
using Keel.Telemetry.Otlp.Proto;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keel.Bench.Observability;

/// <summary>
/// Spans per second into the embedded store, on the seeded database: (a) end to end, OTLP/HTTP protobuf export
/// requests of 512 spans (the OpenTelemetry SDKs' default batch) posted to the server's <c>/v1/traces</c> by one and
/// by four exporters at once; (b) the same requests, decoded, handed to the ingestor in process (no HTTP, no protobuf),
/// the store's reads and commits timed apart, and the ingestor's commits written apart from its planning; (c) the store alone: the spans
/// as span-only commits through <c>CommitBatchAsync</c>. Each variant sends new traces for at most
/// <see cref="BenchOptions.IngestSeconds"/> seconds or <see cref="BenchOptions.IngestSpans"/> spans.
/// </summary>
internal static class SpanIngestion
{
    public const int TracesPerRequest = 64;
    private const int SpansPerRequest = TracesPerRequest * OtlpTraces.SpansPerTrace;
    private const int WarmUpRequests = 400;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(8);

    public sealed record Row(string Path, string How, long Spans, double Seconds, double P50Ms, double P95Ms, double? StoreReadShare = null, double? StoreCommitShare = null, double? CpuSeconds = null)
    {
        public double SpansPerSecond => Spans / Seconds;

        /// <summary>
        /// The bench process's CPU time (server and client: they share it) per stored span. Unlike the rate, it hardly
        /// moves when other work shares the machine, so it is the figure to compare changes by on a busy machine.
        /// </summary>
        public double? CpuMicrosPerSpan => CpuSeconds * 1e6 / Spans;
    }

    /// <param name="endpointOnly">Only the OTLP/HTTP rows (the goal's figure), for a quick before/after.</param>
    public static async Task<(List<Row> Rows, double DecodeMsPerRequest)> RunAsync(BenchServer server, BenchOptions options, bool endpointOnly = false)
    {
        var rng = new Random(options.Seed + 7);
        var customer = (await server.Store.EnsureCustomerAsync("otlp-bench")).Id;
        var key = await server.CustomerKeyAsync(customer);
        var requests = Math.Max(1, options.IngestSpans / SpansPerRequest);
        var budget = TimeSpan.FromSeconds(options.IngestSeconds);
        var rows = new List<Row>();

        // Warm-up, not counted: the ingestor's first queries and the JIT. Tiered compilation recompiles the hot path in
        // the background for seconds after start (a third of a core in the first 10 s of ingestion when only a few
        // requests warmed it), so the warm-up sends for a while before anything is timed, as a long-running server would.
        await PostAllAsync(server, key, Payloads(rng, WarmUpRequests), senders: 4, WarmUp);

        foreach (var senders in new[] { 1, 4 })
        {
            var payloads = Payloads(rng, requests);
            var before = (await server.Store.GetStatsAsync()).Spans;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var (sent, seconds, serverMs) = await PostAllAsync(server, key, payloads, senders, budget);
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
            var stored = (await server.Store.GetStatsAsync()).Spans - before;
            Check(stored, sent);
            rows.Add(new Row("OTLP/HTTP protobuf -> /v1/traces", $"{senders} exporter{(senders > 1 ? "s" : "")} at once, 512 spans per request", stored, seconds,
                Stats.Percentile(serverMs, 0.5), Stats.Percentile(serverMs, 0.95), CpuSeconds: cpu.TotalSeconds));
            Report(rows[^1]);
            }

        var decodeMs = DecodeMs(Payloads(rng, 20));
        if (endpointOnly)
        {
            return (rows, decodeMs);
        }

        rows.Add(await InProcessAsync(server.Store, rng, customer, requests, budget));
        Report(rows[^1]);

        rows.Add(await DetachedAsync(server.Store, rng, customer, requests, budget));
        Report(rows[^1]);

        foreach (var row in await ReplayedAsync(server.Store, rng, customer, requests, budget))
        {
            rows.Add(row);
            Report(row);
        }

        foreach (var (tracesPerBatch, attributes, ordered) in new[] { (1, true, false), (TracesPerRequest, true, false), (512, true, false), (TracesPerRequest, false, false), (TracesPerRequest, true, true) })
        {
            rows.Add(await StoreOnlyAsync(server.Store, rng, customer, requests * TracesPerRequest, tracesPerBatch, attributes, ordered, budget));
            Report(rows[^1]);
        }

        return (rows, decodeMs);
    }

    private static List<byte[]> Payloads(Random rng, int requests) =>
        [.. Enumerable.Range(0, requests).Select(_ => OtlpTraces.Bytes(OtlpTraces.Request(rng, TracesPerRequest)))];

    /// <summary>What decoding one 512-span protobuf request costs (the server's part the in-process rows leave out).</summary>
    private static double DecodeMs(List<byte[]> payloads)
    {
        foreach (var payload in payloads)
        {
            _ = ExportTraceServiceRequest.Parser.ParseFrom(payload);
        }

        var t0 = Stopwatch.GetTimestamp();
        foreach (var payload in payloads)
        {
            _ = ExportTraceServiceRequest.Parser.ParseFrom(payload);
        }

        return Stats.MsSince(t0) / payloads.Count;
    }

    private static void Check(long stored, int requests)
    {
        if (stored != (long)requests * SpansPerRequest)
        {
            throw new InvalidOperationException($"Stored {stored} spans of {requests * SpansPerRequest} sent.");
        }
    }

    private static void Report(Row row) =>
        Console.Error.WriteLine($"  {row.Path} ({row.How}): {row.SpansPerSecond:N0} spans/s ({row.Spans:N0} spans in {row.Seconds:0.0} s){(row.CpuMicrosPerSpan is { } cpu ? $", {cpu:0.0} µs CPU per span" : "")}");

    /// <summary>Posts payloads, <paramref name="senders"/> requests in flight at a time, until done or out of time.</summary>
    private static async Task<(int Sent, double Seconds, List<double> ServerMs)> PostAllAsync(BenchServer server, string key, List<byte[]> payloads, int senders, TimeSpan budget)
    {
        var next = -1;
        var sent = 0;
        var t0 = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, senders).Select(_ => Task.Run(async () =>
        {
            int i;
            while (Stopwatch.GetElapsedTime(t0) < budget && (i = Interlocked.Increment(ref next)) < payloads.Count)
            {
                using var content = OtlpTraces.Protobuf(payloads[i]);
                using var request = new HttpRequestMessage(HttpMethod.Post, "v1/traces") { Content = content };
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
                using var response = await server.Http.SendAsync(request);
                var body = await response.Content.ReadAsByteArrayAsync();
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"POST /v1/traces answered {(int)response.StatusCode}");
                }

                var reply = ExportTraceServiceResponse.Parser.ParseFrom(body);
                if (reply.PartialSuccess is { RejectedSpans: > 0 } partial)
                {
                    throw new InvalidOperationException($"{partial.RejectedSpans} spans rejected: {partial.ErrorMessage}");
                }

                Interlocked.Increment(ref sent);
            }
        })).ToList();
        await Task.WhenAll(workers);
        var seconds = Stats.MsSince(t0) / 1000;
        var serverMs = Enumerable.Range(0, sent).Select(_ => server.NextServerMs()).ToList(); // every request's activity, in the order they ended
        return (sent, seconds, serverMs);
    }

    /// <summary>Decoded requests handed to an <see cref="OtlpIngestor"/> over a metered view of the server's store.</summary>
    private static async Task<Row> InProcessAsync(IKeelStore store, Random rng, string customer, int requests, TimeSpan budget)
    {
        var (metered, meter) = MeteredStore.Wrap(store);
        using var ingestor = new OtlpIngestor(metered, PriceTable.Default, NullLogger<OtlpIngestor>.Instance);
        var caller = new IngestCaller(customer, null);
        await ingestor.IngestAsync(caller, OtlpTraces.Request(rng, TracesPerRequest)); // warm-up
        meter.Reset();
        var batches = Enumerable.Range(0, requests).Select(_ => OtlpTraces.Request(rng, TracesPerRequest)).ToList();
        var before = (await store.GetStatsAsync()).Spans;
        var perRequest = new List<double>();
        var t0 = Stopwatch.GetTimestamp();
        foreach (var batch in batches)
        {
            if (Stopwatch.GetElapsedTime(t0) >= budget)
            {
                break;
            }

            var r0 = Stopwatch.GetTimestamp();
            var result = await ingestor.IngestAsync(caller, batch);
            perRequest.Add(Stats.MsSince(r0));
            if (result.Rejected != 0 || result.Stored != SpansPerRequest)
            {
                throw new InvalidOperationException($"The ingestor stored {result.Stored} and rejected {result.Rejected} spans: {result.Message}");
            }
        }

        var ms = Stats.MsSince(t0);
        var stored = (await store.GetStatsAsync()).Spans - before;
        Check(stored, perRequest.Count);
        return new Row("OtlpIngestor.IngestAsync in process", "decoded requests of 512 spans, one at a time", stored, ms / 1000,
            Stats.Percentile(perRequest, 0.5), Stats.Percentile(perRequest, 0.95), meter.ReadMs / ms, meter.CommitMs / ms);
    }

    /// <summary>The ingestor's own work alone: the same requests over a detached store (nothing read, nothing written).</summary>
    private static async Task<Row> DetachedAsync(IKeelStore store, Random rng, string customer, int requests, TimeSpan budget)
    {
        var (detached, meter) = MeteredStore.Wrap(store);
        meter.Detached = true;
        using var ingestor = new OtlpIngestor(detached, PriceTable.Default, NullLogger<OtlpIngestor>.Instance);
        var caller = new IngestCaller(customer, null);
        var batches = Enumerable.Range(0, Math.Min(requests, 100)).Select(_ => OtlpTraces.Request(rng, TracesPerRequest)).ToList();
        foreach (var batch in batches.Take(10))
        {
            await ingestor.IngestAsync(caller, batch); // warm-up
        }

        var spans = 0L;
        var t0 = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(t0) < budget / 4)
        {
            foreach (var batch in batches)
            {
                spans += (await ingestor.IngestAsync(caller, batch)).Stored; // each request reads as new every time
            }
        }

        return new Row("OtlpIngestor.IngestAsync over a detached store", "the ingestor's own work alone: spans parsed, traces planned, commits built; nothing read or written",
            spans, Stats.MsSince(t0) / 1000, 0, 0);
    }

    /// <summary>
    /// The ingestion split in two: the ingestor making its commits with no store writes (commits captured), then those very commits written by <c>CommitBatchAsync</c> one request's worth at a time, as made
    /// (tasks named in time order and linked to their trace) and renamed as before trace links (<c>task_</c> + trace id),
    /// which shows what the random placement of ingested tasks in the task-clustered tables costs.
    /// </summary>
    private static async Task<List<Row>> ReplayedAsync(IKeelStore store, Random rng, string customer, int requests, TimeSpan budget)
    {
        var (metered, meter) = MeteredStore.Wrap(store);
        meter.Captured = [];
        using var ingestor = new OtlpIngestor(metered, PriceTable.Default, NullLogger<OtlpIngestor>.Instance);
        var caller = new IngestCaller(customer, null);
        await ingestor.IngestAsync(caller, OtlpTraces.Request(rng, TracesPerRequest)); // warm-up
        meter.Captured.Clear();
        var batches = Enumerable.Range(0, requests).Select(_ => OtlpTraces.Request(rng, TracesPerRequest)).ToList();
        var t0 = Stopwatch.GetTimestamp();
        foreach (var batch in batches)
        {
            await ingestor.IngestAsync(caller, batch);
            if (Stopwatch.GetElapsedTime(t0) >= budget / 2)
            {
                break;
            }
        }

        var planMs = Stats.MsSince(t0);
        var captured = meter.Captured;
        var spans = (long)captured.Count * SpansPerRequest;
        var one = captured[0];
        var shape = $"per request: {one.Count} commits of {one.Count(c => c.CreateTaskIfMissing is not null)} new tasks, {one.Count(c => c.Step is not null)} steps, "
            + $"{one.Sum(c => c.Usage.Count)} usage events, {one.Sum(c => c.Spans.Count)} spans, {one.Count(c => c.Task is not null)} task updates";
        var rows = new List<Row> { new("OtlpIngestor.IngestAsync, commits captured, not written", $"the ingestor's own work: spans read, traces planned, commits built ({shape})", spans, planMs / 1000, 0, 0, meter.ReadMs / planMs, 0) };

        // Each variant writes the same commits under its own task ids (the first as made), one request's worth per batch.
        // The variants take turns batch by batch (who goes first rotates), so that the machine's drift and the file's
        // growth fall on all of them alike; each is timed over its own batches only.
        var variants = new (string How, Func<StepCommit, StepCommit> Change)[]
        {
            ("as made (tasks named in time order, UUID v7 at ingestion, linked to their trace)", c => c),
            ("renamed as before trace links (tasks named task_<trace id>, usage keyed by trace id, no link)", c => Renamed(c, legacy: true, usage: true)),
            ("renamed in time order, usage events left out", c => Renamed(c, legacy: false, usage: false)),
            ("renamed as before trace links, usage events left out", c => Renamed(c, legacy: true, usage: false)),
        };
        var perBatch = variants.Select(_ => new List<double>()).ToArray();
        var before = (await store.GetStatsAsync()).Spans;
        var w0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < captured.Count && Stopwatch.GetElapsedTime(w0) < budget * variants.Length; i++)
        {
            for (var k = 0; k < variants.Length; k++)
            {
                var v = (i + k) % variants.Length;
                IReadOnlyList<StepCommit> write = [.. captured[i].Select(variants[v].Change)];
                var b0 = Stopwatch.GetTimestamp();
                await store.CommitBatchAsync(write);
                perBatch[v].Add(Stats.MsSince(b0));
            }
        }

        Check((await store.GetStatsAsync()).Spans - before, perBatch.Sum(p => p.Count));
        for (var v = 0; v < variants.Length; v++)
        {
            rows.Add(new Row("the ingestor's commits, replayed through CommitBatchAsync", $"one request's commits per batch, {variants[v].How}",
                (long)perBatch[v].Count * SpansPerRequest, perBatch[v].Sum() / 1000, Stats.Percentile(perBatch[v], 0.5), Stats.Percentile(perBatch[v], 0.95), 0, 1));
        }

        return rows;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, bool), string> RenamedIds = new();

    /// <summary>
    /// A commit under another task id: <c>task_</c> + trace id as ingestion named tasks before trace links
    /// (<paramref name="legacy"/>, usage keyed by trace id, no link; the trace id reversed, as random, for the variant
    /// without usage), else a new time-ordered id; optionally without its usage events.
    /// </summary>
    private static StepCommit Renamed(StepCommit commit, bool legacy, bool usage)
    {
        var traceId = usage ? commit.Spans[0].TraceId : new string([.. commit.Spans[0].TraceId.Reverse()]);
        var taskId = legacy ? $"task_{traceId}" : RenamedIds.GetOrAdd((traceId, usage), _ => KeelIds.NewTaskId());
        var keyPrefix = legacy ? $"otlp/{traceId}/" : $"otlp/{taskId}/";
        return commit with
        {
            IngestedTraceId = null,
            CreateTaskIfMissing = commit.CreateTaskIfMissing is { } created ? created with { Id = taskId } : null,
            Task = commit.Task is { } task ? task with { Id = taskId } : null,
            Step = commit.Step is { } step ? step with { TaskId = taskId } : null,
            Spans = [.. commit.Spans.Select(s => s with { TaskId = taskId })],
            Usage = usage ? [.. commit.Usage.Select(u => u with { TaskId = taskId, IdempotencyKey = keyPrefix + u.IdempotencyKey[(u.IdempotencyKey.LastIndexOf('/') + 1)..] })] : [],
        };
    }

    /// <summary>
    /// The store alone: tasks made first (not timed), then each trace's spans as one span-only commit. Ingested traces'
    /// tasks are named after their random trace ids (<c>task_</c> + trace id), so each lands at a random place in the
    /// spans B-tree (clustered by task); <paramref name="ordered"/> names them in time order as the runtime does (UUID v7)
    /// instead, to show what that placement costs. <paramref name="attributes"/> false leaves the attributes out.
    /// </summary>
    private static async Task<Row> StoreOnlyAsync(IKeelStore store, Random rng, string customer, int traces, int tracesPerBatch, bool attributes, bool ordered, TimeSpan budget)
    {
        var all = Enumerable.Range(0, traces).Select(_ => OtlpTraces.Trace(rng)).ToList();
        if (!attributes || ordered)
        {
            all = [.. all.Select(spans =>
            {
                var taskId = ordered ? KeelIds.NewTaskId() : spans[0].TaskId;
                return spans.Select(s => s with { TaskId = taskId, Attributes = attributes ? s.Attributes : new Dictionary<string, object?>() }).ToList();
            })];
        }

        var tasks = all.Select(spans => new StepCommit
        {
            CreateTaskIfMissing = new AgentTask
            {
                Id = spans[0].TaskId, Agent = "travel", CustomerId = customer, Status = AgentTaskStatus.Succeeded,
                CreatedAt = spans[0].StartTime, StartedAt = spans[0].StartTime, EndedAt = spans[0].EndTime,
            },
        }).ToList();
        foreach (var chunk in tasks.Chunk(2_000))
        {
            await store.CommitBatchAsync(chunk);
        }

        var commits = all.Select(spans => new StepCommit { Spans = spans }).ToList();
        var before = (await store.GetStatsAsync()).Spans;
        var perBatch = new List<double>();
        var t0 = Stopwatch.GetTimestamp();
        foreach (var batch in commits.Chunk(tracesPerBatch))
        {
            if (Stopwatch.GetElapsedTime(t0) >= budget)
            {
                break;
            }

            var b0 = Stopwatch.GetTimestamp();
            await store.CommitBatchAsync(batch);
            perBatch.Add(Stats.MsSince(b0));
        }

        var seconds = Stats.MsSince(t0) / 1000;
        var stored = (await store.GetStatsAsync()).Spans - before;
        var spansPerBatch = tracesPerBatch * OtlpTraces.SpansPerTrace;
        if (stored != (long)perBatch.Count * spansPerBatch)
        {
            throw new InvalidOperationException($"Stored {stored} spans of {perBatch.Count * spansPerBatch}.");
        }

        return new Row("store alone: CommitBatchAsync", $"span-only commits (one per trace), {spansPerBatch:N0} spans per batch{(attributes ? "" : ", attributes left out")}{(ordered ? ", tasks named in time order (UUID v7) instead of task_<trace id>" : "")}", stored, seconds,
            Stats.Percentile(perBatch, 0.5), Stats.Percentile(perBatch, 0.95), 0, 1);
    }
}
