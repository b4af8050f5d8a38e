using System.Net;
using Keel.Journal;
using Keel.Pricing;
using Keel.Server.Otlp;
using Keel.Storage;
using Keel.Tasks;
using Keel.Telemetry.Otlp;
using Keel.Telemetry.Otlp.Proto;
using Keel.Tracing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Keel.Server.Tests.Otlp;

/// <summary>
/// An ingested trace's task is named in time order (when it is ingested) and found again by its trace id through the trace link: across
/// requests, retries, concurrent requests stored as one batch (group commit) or one after the other, and for tasks
/// stored before links existed (named <c>task_</c> + trace id). Another customer's trace is never added to, and a
/// request that fails in a batch fails alone.
/// </summary>
public sealed class OtlpTraceLinkTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("keel-otlp-links-").FullName;
    private OtlpTestServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _server = await OtlpTestServer.StartAsync(_folder);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_trace_split_over_two_requests_is_one_task_named_in_time_order_and_found_through_its_link()
    {
        var trace = TraceBuilder.AgentRun(out var run);

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await PostAsync(trace.Request([run.Tool, run.Http]));
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await PostAsync(trace.Request([run.Agent, run.Chat, run.LocalChat]));

        var task = await _server.FindTraceTaskAsync(trace.TraceId);
        Assert.NotNull(task);
        Assert.NotEqual($"task_{trace.TraceId}", task.Id);
        // Keel's own id format, a UUID v7 taken when the trace's first request was ingested (so ids grow as tasks arrive);
        // the task was created then too, but started when the trace did (a minute before it was sent).
        Assert.Matches("^task_[0-9a-f]{32}$", task.Id);
        var uuid = Guid.ParseExact(task.Id["task_".Length..], "N");
        Assert.Equal(7, uuid.Version);
        Assert.InRange(UuidV7Millis(uuid), before, after);
        Assert.InRange(task.CreatedAt.ToUnixTimeMilliseconds(), before, after);
        Assert.NotNull(task.StartedAt);
        Assert.True(task.StartedAt < DateTimeOffset.FromUnixTimeMilliseconds(before).AddSeconds(-30), $"{task.StartedAt}");

        Assert.Single(await _server.Store.ListTasksAsync(new TaskQuery(), Ct));
        var steps = await _server.Store.GetStepsAsync(task.Id, Ct);
        Assert.Equal([(1, "search_flights"), (2, "gpt-4o-mini"), (3, "my-local-llm")], steps.Select(s => (s.Seq, s.Name)));
        Assert.Equal(5, (await _server.Store.GetSpansAsync(task.Id, Ct)).Count);
        var usage = Assert.Single(await _server.Store.GetUsageAsync(task.Id, Ct));
        Assert.Equal($"otlp/{task.Id}/{run.Chat.SpanId.Hex()}", usage.IdempotencyKey);
        Assert.Equal("travel-agent-service", task.Agent); // fixed by the first request, which had no agent span
    }

    [Fact]
    public async Task A_retried_request_stores_nothing_twice()
    {
        var trace = TraceBuilder.AgentRun(out _);

        var first = await PostAsync(trace.Request());
        var summary = (await _server.Store.GetTaskSummaryAsync((await _server.FindTraceTaskAsync(trace.TraceId))!.Id, Ct))!;
        var retry = await PostAsync(trace.Request());

        Assert.Null(first.PartialSuccess);
        Assert.Null(retry.PartialSuccess);
        var task = Assert.Single(await _server.Store.ListTasksAsync(new TaskQuery(), Ct));
        Assert.Equal(summary, task);
        Assert.Equal(3, (await _server.Store.GetStepsAsync(task.Task.Id, Ct)).Count);
        Assert.Equal(5, (await _server.Store.GetSpansAsync(task.Task.Id, Ct)).Count);
        Assert.Single(await _server.Store.GetUsageAsync(task.Task.Id, Ct));
    }

    [Fact]
    public async Task A_task_stored_before_trace_links_as_task_and_trace_id_is_still_added_to()
    {
        var trace = TraceBuilder.AgentRun(out var run);
        var legacyId = $"task_{trace.TraceId}";
        var start = OtlpIds.FromUnixNanos(run.Agent.StartTimeUnixNano);
        await _server.Store.CommitBatchAsync(
        [
            new StepCommit
            {
                CreateTaskIfMissing = new AgentTask
                {
                    Id = legacyId, Agent = "travel", CustomerId = _server.CustomerId, Status = AgentTaskStatus.Succeeded,
                    CreatedAt = start, StartedAt = start, EndedAt = start.AddSeconds(1),
                },
                Step = new StepRecord { TaskId = legacyId, Seq = 1, Kind = StepKind.Model, Name = "gpt-4o-mini", Status = StepStatus.Succeeded, StartedAt = start, EndedAt = start },
                Spans = [new SpanRecord { TraceId = trace.TraceId, SpanId = run.Chat.SpanId.Hex(), TaskId = legacyId, StepSeq = 1, Name = "chat gpt-4o-mini", StartTime = start, EndTime = start }],
            },
        ], Ct);

        var answer = await PostAsync(trace.Request());

        Assert.Null(answer.PartialSuccess);
        Assert.Equal(legacyId, (await _server.FindTraceTaskAsync(trace.TraceId))!.Id);
        Assert.Single(await _server.Store.ListTasksAsync(new TaskQuery(), Ct));
        var steps = await _server.Store.GetStepsAsync(legacyId, Ct);
        Assert.Equal([(1, "gpt-4o-mini"), (2, "search_flights"), (3, "my-local-llm")], steps.Select(s => (s.Seq, s.Name)));
        Assert.Equal(5, (await _server.Store.GetSpansAsync(legacyId, Ct)).Count);

        var (_, globexKey) = await _server.CreateKeyAsync("globex");
        var intruder = trace.Add("chat gpt-4o", run.Agent.SpanId.Hex(), 950, 960, (GenAiAttributes.OperationName, "chat"));
        var refused = await PostAsync(trace.Request([intruder]), globexKey);
        Assert.Equal(1, refused.PartialSuccess.RejectedSpans);
        Assert.Equal(5, (await _server.Store.GetSpansAsync(legacyId, Ct)).Count);
    }

    [Fact]
    public async Task Concurrent_requests_for_one_new_trace_make_one_task_with_unique_step_numbers()
    {
        var trace = new TraceBuilder();
        var agent = trace.Add("invoke_agent travel", null, 0, 5_000, (GenAiAttributes.OperationName, "invoke_agent"), (GenAiAttributes.AgentName, "travel"));
        var calls = Enumerable.Range(0, 12).Select(i => trace.Add($"chat {i}", agent.SpanId.Hex(), 10 + (i * 100), 90 + (i * 100),
            (GenAiAttributes.OperationName, "chat"), (GenAiAttributes.RequestModel, "gpt-4o-mini"), (GenAiAttributes.UsageInputTokens, 10L))).ToList();

        // Six exporters at once, each with two calls of the trace and the agent span (which all but one find stored).
        var answers = await Task.WhenAll(calls.Chunk(2).Select(pair => PostAsync(trace.Request([agent, .. pair]))));

        Assert.All(answers, a => Assert.Null(a.PartialSuccess));
        var task = Assert.Single(await _server.Store.ListTasksAsync(new TaskQuery(), Ct));
        Assert.Equal(12, task.Steps);
        Assert.Equal(Enumerable.Range(1, 12), (await _server.Store.GetStepsAsync(task.Task.Id, Ct)).Select(s => s.Seq));
        Assert.Equal(13, (await _server.Store.GetSpansAsync(task.Task.Id, Ct)).Count);
        Assert.Equal(12, (await _server.Store.GetUsageAsync(task.Task.Id, Ct)).Count);
    }

    [Fact]
    public async Task Requests_that_arrive_during_a_commit_are_committed_together_and_their_trace_is_one_task()
    {
        var (store, gate) = GatedStore.Wrap(_server.Store);
        using var ingestor = new OtlpIngestor(store, PriceTable.Default, NullLogger<OtlpIngestor>.Instance);
        var acme = new IngestCaller(_server.CustomerId, null);
        var other = TraceBuilder.AgentRun(out _);
        var trace = TraceBuilder.AgentRun(out var run);

        var holding = ingestor.IngestAsync(acme, other.Request(), Ct); // its commit waits for the gate
        await gate.Entered.Task.WaitAsync(Ct);
        // While it commits, two requests with parts of one new trace (one span in both) queue for the next batch, and a
        // third customer's request names the same trace.
        var first = ingestor.IngestAsync(acme, trace.Request([run.Agent, run.Chat, run.Tool]), Ct);
        var second = ingestor.IngestAsync(acme, trace.Request([run.Tool, run.Http, run.LocalChat]), Ct);
        var (globex, _) = await _server.CreateKeyAsync("globex");
        var intruder = ingestor.IngestAsync(new IngestCaller(globex, null), trace.Request([run.Chat]), Ct);
        Assert.False(first.IsCompleted || second.IsCompleted || intruder.IsCompleted);
        gate.Release.SetResult();

        await holding;
        var results = await Task.WhenAll(first, second, intruder);

        Assert.Equal(2, gate.Commits); // the holding request's batch, then one batch for the three that queued
        Assert.Equal([(3, 0, 0), (2, 1, 0), (0, 0, 1)], results.Select(r => (r.Stored, r.Duplicates, r.Rejected)));
        var task = (await _server.FindTraceTaskAsync(trace.TraceId))!;
        Assert.Equal(_server.CustomerId, task.CustomerId);
        Assert.Equal([1, 2, 3], (await _server.Store.GetStepsAsync(task.Id, Ct)).Select(s => s.Seq));
        Assert.Equal(5, (await _server.Store.GetSpansAsync(task.Id, Ct)).Count);
        Assert.Equal(2, (await _server.Store.ListTasksAsync(new TaskQuery(), Ct)).Count);
    }

    [Fact]
    public async Task A_request_that_fails_in_a_batch_fails_alone()
    {
        var (store, gate) = GatedStore.Wrap(_server.Store);
        using var ingestor = new OtlpIngestor(store, PriceTable.Default, NullLogger<OtlpIngestor>.Instance);
        var acme = new IngestCaller(_server.CustomerId, null);
        var holding = ingestor.IngestAsync(acme, TraceBuilder.AgentRun(out _).Request(), Ct);
        await gate.Entered.Task.WaitAsync(Ct);
        var poisoned = TraceBuilder.AgentRun(out _);
        var good = TraceBuilder.AgentRun(out _);
        gate.Poison = poisoned.TraceId;

        var bad = ingestor.IngestAsync(acme, poisoned.Request(), Ct);
        var fine = ingestor.IngestAsync(acme, good.Request(), Ct);
        gate.Release.SetResult();

        await holding;
        await Assert.ThrowsAsync<StoreException>(() => bad);
        Assert.Equal(5, (await fine).Stored);
        Assert.NotNull(await _server.FindTraceTaskAsync(good.TraceId));
        Assert.Null(await _server.FindTraceTaskAsync(poisoned.TraceId));
    }

    private async Task<ExportTraceServiceResponse> PostAsync(ExportTraceServiceRequest request, string? key = null)
    {
        using var response = await _server.PostTracesAsync(OtlpBodies.Protobuf(request), key ?? _server.Key);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        return ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync(Ct));
    }

    /// <summary>The milliseconds since the Unix epoch a UUID v7 carries in its first 48 bits.</summary>
    private static long UuidV7Millis(Guid uuid)
    {
        Span<byte> bytes = stackalloc byte[16];
        uuid.TryWriteBytes(bytes, bigEndian: true, out _);
        return (long)(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 16);
    }
}
