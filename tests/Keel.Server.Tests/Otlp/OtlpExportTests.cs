using System.Text.Json.Nodes;
using Keel.Pricing;
using Keel.Samples.Demo;
using Keel.Storage;
using Keel.Storage.Sqlite;
using Keel.Telemetry.Export;
using Keel.Telemetry.GenAi;
using Keel.Telemetry.Otlp;
using Keel.Telemetry.Otlp.Proto;
using Keel.Tracing;
using Xunit;

namespace Keel.Server.Tests.Otlp;

/// <summary>
/// Keel's recorded spans reach an OTLP collector (a test receiver on loopback) as they were recorded: the same
/// trace ids, span ids, parents, times, status and gen_ai attributes; message content only when asked for.
/// </summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("keel-otlp-export-").FullName;
    private OtlpTestReceiver _receiver = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _receiver = await OtlpTestReceiver.StartAsync(Ct);

    public async ValueTask DisposeAsync()
    {
        await _receiver.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Durable_task_spans_arrive_with_their_ids_parents_times_status_and_gen_ai_attributes_and_no_content()
    {
        await using var store = await SqliteKeelStore.OpenAsync(Path.Combine(_folder, "keel.db"), cancellationToken: Ct);
        await using var exporter = new OtlpSpanExporter(Options());
        store.AddCommitObserver(exporter);
        var run = await new DemoRunner(store, PriceTable.Default)
            .RunAsync(tasks: 4, seed: 7, concurrency: 2, simulateLatency: false, cancellationToken: Ct);
        await exporter.FlushAsync(Ct);

        var stored = new List<SpanRecord>();
        foreach (var taskId in run.TaskIds)
        {
            stored.AddRange(await store.GetSpansAsync(taskId, Ct));
        }

        var received = _receiver.Spans.ToDictionary(s => s.SpanId.Hex());
        Assert.Equal(stored.Count, received.Count);
        Assert.Equal(stored.Count, exporter.Exported);
        Assert.Equal(0, exporter.Dropped + exporter.Failed);
        foreach (var span in stored)
        {
            var otlp = received[span.SpanId];
            Assert.Equal(span.TraceId, otlp.TraceId.Hex());
            Assert.Equal(span.ParentSpanId ?? "", otlp.ParentSpanId.Hex());
            Assert.Equal(span.Name, otlp.Name);
            // The store keeps microseconds; the exporter sent the recorded time itself.
            Assert.Equal(OtlpIds.UnixNanos(span.StartTime) / 1000, otlp.StartTimeUnixNano / 1000);
            Assert.Equal(OtlpIds.UnixNanos(span.EndTime) / 1000, otlp.EndTimeUnixNano / 1000);
            Assert.Equal(span.Status == SpanStatus.Error ? Status.Types.StatusCode.Error : Status.Types.StatusCode.Unset, otlp.Status.Code);
            Assert.Equal(span.Status == SpanStatus.Error ? span.StatusMessage : "", otlp.Status.Message);
            Assert.Equal(span.TaskId, otlp.Text(OtlpSpans.TaskIdAttribute));
            foreach (var (key, value) in span.Attributes)
            {
                Assert.Equal(OtlpValues.ToAnyValue(value), otlp.Attribute(key));
            }

            Assert.False(otlp.Has(GenAiContent.InputMessages) || otlp.Has(GenAiContent.OutputMessages) || otlp.Has(GenAiContent.SystemInstructions)
                || otlp.Has(GenAiContent.ToolCallResult), $"{span.Name} carries message content that was not asked for");
        }

        // Every task's trace has its invoke_agent root, model calls as chat client spans with tokens, and tool calls.
        var spans = received.Values.ToList();
        var agents = spans.Where(s => s.Text(GenAiAttributes.OperationName) == "invoke_agent").ToList();
        Assert.Equal(run.TaskIds.Count, agents.Count);
        Assert.All(agents, a => Assert.True(a.ParentSpanId.IsEmpty && a.Text(GenAiAttributes.AgentName) is { Length: > 0 }));
        var chats = spans.Where(s => s.Text(GenAiAttributes.OperationName) == "chat" && s.Has(GenAiAttributes.KeelAttempts)).ToList();
        Assert.NotEmpty(chats);
        Assert.All(chats, c =>
        {
            Assert.Equal(Telemetry.Otlp.Proto.Span.Types.SpanKind.Client, c.Kind);
            Assert.Contains(agents, a => a.SpanId == c.ParentSpanId);
            Assert.NotNull(c.Text(GenAiAttributes.RequestModel));
        });
        Assert.Contains(chats, c => c.Attribute(GenAiAttributes.UsageInputTokens)?.IntValue > 0);
        Assert.Contains(spans, s => s.Text(GenAiAttributes.OperationName) == "execute_tool" && s.Text(GenAiAttributes.ToolName) is not null);

        var resource = _receiver.Requests.First().Body.ResourceSpans[0].Resource.Attributes;
        Assert.Equal("keel", resource.Single(a => a.Key == "service.name").Value.StringValue);
    }

    [Fact]
    public async Task With_content_capture_a_model_call_carries_its_input_and_output_messages_and_a_tool_its_result()
    {
        await using var store = await SqliteKeelStore.OpenAsync(Path.Combine(_folder, "keel.db"), cancellationToken: Ct);
        await using var exporter = new OtlpSpanExporter(Options() with { CaptureMessageContent = true });
        store.AddCommitObserver(exporter);
        var run = await new DemoRunner(store, PriceTable.Default)
            .RunAsync(tasks: 2, seed: 7, concurrency: 1, simulateLatency: false, cancellationToken: Ct);
        await exporter.FlushAsync(Ct);

        var task = (await store.FindTaskAsync(run.TaskIds[0], Ct))!;
        var spans = _receiver.Spans.Where(s => s.Text(OtlpSpans.TaskIdAttribute) == task.Id).ToList();
        var steps = await store.GetStepsAsync(task.Id, Ct);
        var firstModelStep = steps.First(s => s.Kind == Journal.StepKind.Model && s.Status == Journal.StepStatus.Succeeded);
        var chat = spans.Single(s => s.Has(GenAiAttributes.KeelAttempts) && s.Attribute(OtlpSpans.StepSeqAttribute)?.IntValue == firstModelStep.Seq);

        var input = JsonNode.Parse(chat.Text(GenAiContent.InputMessages)!)!.AsArray();
        var user = input.First(m => m!["role"]!.GetValue<string>() == "user")!;
        Assert.Equal(task.Input, user["parts"]![0]!["content"]!.GetValue<string>());
        Assert.NotNull(chat.Text(GenAiContent.SystemInstructions));
        var output = JsonNode.Parse(chat.Text(GenAiContent.OutputMessages)!)!.AsArray();
        Assert.Equal("assistant", output[0]!["role"]!.GetValue<string>());
        Assert.NotEmpty(output[0]!["parts"]!.AsArray());

        // The per-attempt children of a model step carry no copy of the content.
        Assert.All(spans.Where(s => s.ParentSpanId == chat.SpanId), attempt => Assert.False(attempt.Has(GenAiContent.InputMessages)));

        var toolStep = steps.First(s => s.Kind == Journal.StepKind.Tool && s.Status == Journal.StepStatus.Succeeded);
        var tool = spans.Single(s => s.Text(GenAiAttributes.OperationName) == "execute_tool" && s.Attribute(OtlpSpans.StepSeqAttribute)?.IntValue == toolStep.Seq);
        Assert.Equal(toolStep.Result, tool.Text(GenAiContent.ToolCallResult));
    }

    [Fact]
    public async Task Gateway_calls_are_exported_with_the_span_ids_the_store_holds()
    {
        await using var server = await OtlpTestServer.StartAsync(_folder, Options() with { Headers = new Dictionary<string, string> { ["x-collector-key"] = "secret-1" } });
        var answer = await server.ChatAsync("sim-large", "Where is my order?");
        await server.FlushAsync();

        var taskId = answer.Headers.GetValues("x-keel-task-id").Single();
        var stored = await server.Store.GetSpansAsync(taskId, Ct);
        var received = await _receiver.WaitForAsync(spans => spans.Count >= stored.Count, Ct);
        var chat = stored.Single(s => s.Attributes.ContainsKey(GenAiAttributes.KeelAttempts));
        var exported = received.Single(s => s.SpanId.Hex() == chat.SpanId);
        Assert.Equal(chat.TraceId, exported.TraceId.Hex());
        Assert.Equal("sim-large", exported.Text(GenAiAttributes.RequestModel));
        Assert.Equal(taskId, exported.Text(OtlpSpans.TaskIdAttribute));
        Assert.All(stored, s => Assert.Contains(received, r => r.SpanId.Hex() == s.SpanId && r.ParentSpanId.Hex() == (s.ParentSpanId ?? "")));
        Assert.All(_receiver.Requests, r => Assert.Equal("secret-1", r.Headers["x-collector-key"]));
    }

    [Fact]
    public async Task Spans_the_server_received_over_otlp_are_stored_but_not_exported_again()
    {
        await using var server = await OtlpTestServer.StartAsync(_folder, Options());
        var trace = TraceBuilder.AgentRun(out _);
        using (var ingested = await server.PostTracesAsync(OtlpBodies.Protobuf(trace.Request()), server.Key))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, ingested.StatusCode);
        }

        var answer = await server.ChatAsync("sim-large", "Where is my order?");
        await server.FlushAsync();

        var received = await server.FindTraceTaskAsync(trace.TraceId);
        Assert.NotEmpty(await server.Store.GetSpansAsync(received!.Id, Ct));
        var chatSpans = await server.Store.GetSpansAsync(answer.Headers.GetValues("x-keel-task-id").Single(), Ct);
        var exported = await _receiver.WaitForAsync(spans => spans.Count >= chatSpans.Count, Ct);
        Assert.Equal(chatSpans.Select(s => s.SpanId).Order(), exported.Select(s => s.SpanId.Hex()).Order());
        Assert.DoesNotContain(exported, s => s.TraceId.Hex() == trace.TraceId);
    }

    [Fact]
    public async Task A_commit_the_store_refuses_exports_nothing_and_its_error_reaches_the_caller_unwrapped()
    {
        await using var store = await SqliteKeelStore.OpenAsync(Path.Combine(_folder, "keel.db"), cancellationToken: Ct);
        await using var exporter = new OtlpSpanExporter(Options());
        store.AddCommitObserver(exporter);
        var orphan = new Journal.StepCommit { Task = new Tasks.AgentTask { Id = "task_missing", Agent = "a", CustomerId = "c", CreatedAt = DateTimeOffset.UtcNow }, Spans = [Record("orphan")] };

        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(async () => await store.CommitStepAsync(orphan, Ct)); // no task: the foreign key refuses it
        var customer = await store.EnsureCustomerAsync("acme", Ct);
        await store.CreateTaskAsync(new Tasks.AgentTask { Id = "task_ok", Agent = "a", CustomerId = customer.Id, CreatedAt = DateTimeOffset.UtcNow }, Ct);
        await store.CommitStepAsync(new Journal.StepCommit { Spans = [Record("kept") with { TaskId = "task_ok" }] }, Ct);
        await exporter.FlushAsync(Ct);

        Assert.Equal(["kept"], _receiver.Spans.Select(s => s.Name));
        Assert.Single(await store.GetSpansAsync("task_ok", Ct));
        Assert.Equal((1L, 0L), (exporter.RefusedCommits, exporter.Dropped));
    }

    [Fact]
    public async Task A_partly_failed_batch_exports_the_spans_of_the_commits_it_kept_and_ingested_spans_are_not_sent_back()
    {
        await using var store = await SqliteKeelStore.OpenAsync(Path.Combine(_folder, "keel.db"), cancellationToken: Ct);
        await using var exporter = new OtlpSpanExporter(Options());
        store.AddCommitObserver(exporter);
        var customer = await store.EnsureCustomerAsync("acme", Ct);
        await store.CreateTaskAsync(new Tasks.AgentTask { Id = "task_ok", Agent = "a", CustomerId = customer.Id, CreatedAt = DateTimeOffset.UtcNow }, Ct);
        Journal.StepCommit Commit(string name, string taskId = "task_ok") => new() { Spans = [Record(name) with { TaskId = taskId }] };

        var error = await Assert.ThrowsAsync<AggregateException>(async () =>
            await store.CommitBatchAsync([Commit("first"), Commit("orphan", taskId: "task_missing"), Commit("third"), Commit("received") with { Ingested = true }], Ct));
        await exporter.FlushAsync(Ct);

        Assert.Single(error.InnerExceptions);
        Assert.Equal(3, (await store.GetSpansAsync("task_ok", Ct)).Count);
        Assert.Equal(["first", "third"], _receiver.Spans.Select(s => s.Name).Order());
        Assert.Equal((2L, 1L, 0L), (exporter.Exported, exporter.RefusedCommits, exporter.Dropped));
    }

    [Fact]
    public async Task A_collector_that_answers_503_gets_the_batch_again_and_stores_it_once()
    {
        _receiver.RefuseNext(503);
        _receiver.RefuseNext(429);
        await using var exporter = new OtlpSpanExporter(Options());
        exporter.Add(new Journal.StepCommit { Spans = [Record("a"), Record("b")] });
        await exporter.FlushAsync(Ct);

        Assert.Equal(3, _receiver.Requests.Count);
        Assert.Equal(["a", "b"], _receiver.Spans.Select(s => s.Name));
        Assert.Equal((2L, 0L, 0L), (exporter.Exported, exporter.Failed, exporter.Dropped));
    }

    [Fact]
    public async Task A_refusal_that_is_not_retryable_drops_the_batch_after_one_attempt()
    {
        _receiver.RefuseNext(400);
        await using var exporter = new OtlpSpanExporter(Options());
        exporter.Add(new Journal.StepCommit { Spans = [Record("a")] });
        await exporter.FlushAsync(Ct);

        Assert.Single(_receiver.Requests);
        Assert.Equal((0L, 1L), (exporter.Exported, exporter.Failed));
    }

    [Fact]
    public async Task A_full_queue_drops_and_counts_spans_instead_of_blocking_the_commit()
    {
        // A schedule delay of an hour and a large batch: nothing leaves the queue until the flush.
        await using var exporter = new OtlpSpanExporter(Options() with { MaxQueueSize = 3, ScheduleDelay = TimeSpan.FromHours(1) });
        exporter.Add(new Journal.StepCommit { Spans = [.. Enumerable.Range(0, 10).Select(i => Record($"s{i}"))] });
        Assert.Equal(7, exporter.Dropped);

        await exporter.FlushAsync(Ct);
        Assert.Equal(["s0", "s1", "s2"], _receiver.Spans.Select(s => s.Name));
    }

    [Fact]
    public async Task Json_with_gzip_carries_hex_ids_and_integer_enums()
    {
        await using var exporter = new OtlpSpanExporter(Options() with { Protocol = OtlpProtocol.HttpJson, Gzip = true });
        var span = Record("json", parent: TraceIds.NewSpanId(), error: "boom");
        exporter.Add(new Journal.StepCommit { Spans = [span] });
        await exporter.FlushAsync(Ct);

        var request = Assert.Single(_receiver.Requests);
        Assert.True(request.Json);
        Assert.Equal("gzip", request.Headers["Content-Encoding"]);
        var received = Assert.Single(_receiver.Spans);
        Assert.Equal((span.TraceId, span.SpanId, span.ParentSpanId), (received.TraceId.Hex(), received.SpanId.Hex(), received.ParentSpanId.Hex()));
        Assert.Equal((Status.Types.StatusCode.Error, "boom"), (received.Status.Code, received.Status.Message));

        var json = JsonNode.Parse(OtlpJson.Format(request.Body))!;
        var first = json["resourceSpans"]![0]!["scopeSpans"]![0]!["spans"]![0]!;
        Assert.Equal(span.TraceId, first["traceId"]!.GetValue<string>());
        Assert.Equal(2, first["status"]!["code"]!.GetValue<int>());
    }

    private OtlpExporterOptions Options() => new()
    {
        Endpoint = _receiver.Endpoint,
        RetryBackoff = TimeSpan.FromMilliseconds(10),
        ScheduleDelay = TimeSpan.FromMilliseconds(50),
    };

    private static SpanRecord Record(string name, string? parent = null, string? error = null) => new()
    {
        TraceId = TraceIds.NewTraceId(),
        SpanId = TraceIds.NewSpanId(),
        ParentSpanId = parent,
        TaskId = "task_test",
        Name = name,
        StartTime = DateTimeOffset.UtcNow.AddSeconds(-1),
        EndTime = DateTimeOffset.UtcNow,
        Status = error is null ? SpanStatus.Ok : SpanStatus.Error,
        StatusMessage = error,
        Attributes = new Dictionary<string, object?> { [GenAiAttributes.OperationName] = "chat" },
    };
}
