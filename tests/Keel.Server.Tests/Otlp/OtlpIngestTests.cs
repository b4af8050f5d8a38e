using System.IO.Compression;
using System.Net;
using System.Text.Json.Nodes;
using Keel.Journal;
using Keel.Pricing;
using Keel.Server.Otlp;
using Keel.Tasks;
using Keel.Telemetry.Otlp;
using Keel.Telemetry.Otlp.Proto;
using Keel.Tracing;
using Xunit;

namespace Keel.Server.Tests.Otlp;

/// <summary>
/// <c>POST /v1/traces</c>: gen_ai spans from another framework become a Keel task with model and tool steps, priced
/// usage and a context snapshot; each span is stored once however often it is sent; bad bodies and callers are refused
/// in OTLP's own response shape.
/// </summary>
public sealed class OtlpIngestTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("keel-otlp-ingest-").FullName;
    private OtlpTestServer _server = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _server = await OtlpTestServer.StartAsync(_folder);

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task A_protobuf_trace_becomes_a_task_with_priced_model_steps_tool_steps_spans_and_context()
    {
        var trace = TraceBuilder.AgentRun(out var run);

        using var response = await _server.PostTracesAsync(OtlpBodies.Protobuf(trace.Request()), _server.Key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        var answer = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Null(answer.PartialSuccess);

        var task = await _server.FindTraceTaskAsync(trace.TraceId);
        Assert.NotNull(task);
        Assert.Equal(("travel", _server.CustomerId, AgentTaskStatus.Succeeded), (task.Agent, task.CustomerId, task.Status));
        Assert.Equal($"conv-{trace.TraceId[..8]}", task.SessionId);
        Assert.Equal(("Book me a flight to Lisbon", "Booked TP123."), (task.Input, task.Output));
        Assert.Equal(StoredTime(run.Agent.StartTimeUnixNano), task.StartedAt);

        var steps = await _server.Store.GetStepsAsync(task.Id, Ct);
        Assert.Equal([(1, StepKind.Model, "gpt-4o-mini"), (2, StepKind.Tool, "search_flights"), (3, StepKind.Model, "my-local-llm")],
            steps.Select(s => (s.Seq, s.Kind, s.Name)));
        var price = PriceTable.Default.Get("gpt-4o-mini");
        Assert.Equal((1200L, 80L, price.Cost(1200, 0, 80)), (steps[0].InputTokens, steps[0].OutputTokens, steps[0].CostUsd));
        Assert.True(steps[0].CostUsd > 0);
        Assert.Equal("search_flights", JsonNode.Parse(steps[0].Result!)!["tool_calls"]![0]!["function"]!["name"]!.GetValue<string>());
        Assert.Equal("""{"flights":["TP123"]}""", steps[1].Result);
        Assert.Equal((1500L, 0m), (steps[2].InputTokens, steps[2].CostUsd));

        var usage = Assert.Single(await _server.Store.GetUsageAsync(task.Id, Ct));
        Assert.Equal(("gpt-4o-mini-2024-07-18", 1, price.Cost(1200, 0, 80)), (usage.Resource, usage.StepSeq, usage.CostUsd));
        Assert.Equal(price.Cost(1200, 0, 80), (await _server.Store.GetTaskSummaryAsync(task.Id, Ct))!.CostUsd);

        var spans = (await _server.Store.GetSpansAsync(task.Id, Ct)).ToDictionary(s => s.SpanId);
        Assert.Equal(5, spans.Count);
        foreach (var sent in trace.Spans)
        {
            var stored = spans[sent.SpanId.Hex()];
            Assert.Equal((trace.TraceId, sent.ParentSpanId.Hex(), sent.Name), (stored.TraceId, stored.ParentSpanId ?? "", stored.Name));
            Assert.Equal(StoredTime(sent.StartTimeUnixNano), stored.StartTime);
        }

        var chat = spans[run.Chat.SpanId.Hex()];
        Assert.Equal(1, chat.StepSeq);
        Assert.Equal("openai", chat.Attributes[GenAiAttributes.ProviderName]);
        Assert.False(chat.Attributes.ContainsKey("gen_ai.input.messages")); // kept once, in the snapshot
        var context = await _server.Store.GetSnapshotAsync(chat.SnapshotId!, Ct);
        Assert.NotNull(context);
        Assert.Equal("gpt-4o-mini", JsonNode.Parse(context[0])!["model"]!.GetValue<string>());
        Assert.Equal(("system", "You book trips."), Message(context[1]));
        Assert.Equal(("user", "Book me a flight to Lisbon"), Message(context[2]));
        Assert.Equal(true, spans[run.LocalChat.SpanId.Hex()].Attributes[Server.Otlp.TraceCommits.UnpricedAttribute]);
        Assert.Null(spans[run.Http.SpanId.Hex()].StepSeq);
        Assert.Null(spans[run.Agent.SpanId.Hex()].StepSeq);
        Assert.Equal(2, spans[run.Tool.SpanId.Hex()].StepSeq);
    }

    [Fact]
    public async Task A_json_trace_with_hex_ids_is_stored_the_same_way_and_answered_in_json()
    {
        var trace = TraceBuilder.AgentRun(out var run);

        using var response = await _server.PostTracesAsync(OtlpBodies.Json(trace.Request()), _server.Key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Empty(JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject());
        var spans = await _server.Store.GetSpansAsync((await _server.FindTraceTaskAsync(trace.TraceId))!.Id, Ct);
        Assert.Contains(spans, s => s.SpanId == run.Chat.SpanId.Hex() && s.ParentSpanId == run.Agent.SpanId.Hex() && s.StepSeq == 1);
        Assert.Equal(5, spans.Count);
    }

    [Fact]
    public async Task A_gzipped_body_is_accepted()
    {
        var trace = TraceBuilder.AgentRun(out _);
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            gzip.Write(Google.Protobuf.MessageExtensions.ToByteArray(trace.Request()));
        }

        using var response = await _server.PostTracesAsync(OtlpBodies.Content(compressed.ToArray(), "application/x-protobuf", "gzip"), _server.Key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(5, (await _server.Store.GetSpansAsync((await _server.FindTraceTaskAsync(trace.TraceId))!.Id, Ct)).Count);
    }

    [Fact]
    public async Task A_gzipped_body_that_inflates_past_the_limit_is_refused_with_413_and_nothing_is_stored()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            gzip.Write(new byte[OtlpRequestReader.MaxBodyBytes + 1]); // 32 MiB of zeros: a few dozen KB on the wire
        }

        using var response = await _server.PostTracesAsync(OtlpBodies.Content(compressed.ToArray(), "application/x-protobuf", "gzip"), _server.Key);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(8, RpcStatus.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync(Ct)).Code); // RESOURCE_EXHAUSTED
        Assert.Empty(await _server.Store.ListTasksAsync(new TaskQuery(), Ct));
    }

    [Fact]
    public async Task The_same_spans_sent_again_are_stored_once_and_new_spans_of_the_trace_become_the_next_steps()
    {
        var trace = TraceBuilder.AgentRun(out var run);
        var first = trace.Spans.ToList();
        using (var once = await _server.PostTracesAsync(OtlpBodies.Protobuf(trace.Request(first)), _server.Key))
        using (var twice = await _server.PostTracesAsync(OtlpBodies.Json(trace.Request(first)), _server.Key))
        {
            Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (once.StatusCode, twice.StatusCode));
        }

        var taskId = (await _server.FindTraceTaskAsync(trace.TraceId))!.Id;
        var cost = (await _server.Store.GetTaskSummaryAsync(taskId, Ct))!.CostUsd;
        var later = trace.Add("chat gpt-4o", run.Agent.SpanId.Hex(), 850, 890,
            (GenAiAttributes.OperationName, "chat"), (GenAiAttributes.RequestModel, "gpt-4o"), (GenAiAttributes.UsageInputTokens, 100L), (GenAiAttributes.UsageOutputTokens, 10L));
        using (var more = await _server.PostTracesAsync(OtlpBodies.Protobuf(trace.Request([run.Chat, later])), _server.Key))
        {
            Assert.Equal(HttpStatusCode.OK, more.StatusCode);
        }

        Assert.Equal(6, (await _server.Store.GetSpansAsync(taskId, Ct)).Count);
        var steps = await _server.Store.GetStepsAsync(taskId, Ct);
        Assert.Equal([1, 2, 3, 4], steps.Select(s => s.Seq));
        Assert.Equal("gpt-4o", steps[3].Name);
        Assert.Equal(2, (await _server.Store.GetUsageAsync(taskId, Ct)).Count);
        Assert.Equal(cost + PriceTable.Default.Get("gpt-4o").Cost(100, 0, 10), (await _server.Store.GetTaskSummaryAsync(taskId, Ct))!.CostUsd);
    }

    [Fact]
    public async Task Bad_bodies_are_refused_with_400_and_a_status_in_the_request_encoding()
    {
        using var garbage = await _server.PostTracesAsync(OtlpBodies.Content([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f], "application/x-protobuf"), _server.Key);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        var status = RpcStatus.Parser.ParseFrom(await garbage.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(3, status.Code);
        Assert.Contains("protobuf", status.Message, StringComparison.Ordinal);

        using var notJson = await _server.PostTracesAsync(OtlpBodies.Content("{\"resourceSpans\": ["u8.ToArray(), "application/json"), _server.Key);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal("application/json", notJson.Content.Headers.ContentType?.MediaType);
        Assert.Contains("JSON", JsonNode.Parse(await notJson.Content.ReadAsStringAsync(Ct))!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        using var badId = await _server.PostTracesAsync(OtlpBodies.Content(
            """{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"not-hex","spanId":"0102030405060708","name":"x"}]}]}]}"""u8.ToArray(), "application/json"), _server.Key);
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);

        using var badGzip = await _server.PostTracesAsync(OtlpBodies.Content([1, 2, 3], "application/x-protobuf", "gzip"), _server.Key);
        Assert.Equal(HttpStatusCode.BadRequest, badGzip.StatusCode);

        using var text = await _server.PostTracesAsync(OtlpBodies.Content("hello"u8.ToArray(), "text/plain"), _server.Key);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);

        Assert.Empty(await _server.Store.ListTasksAsync(new TaskQuery(), Ct));
    }

    [Fact]
    public async Task Unauthenticated_requests_are_refused_with_401_and_nothing_is_stored()
    {
        var trace = TraceBuilder.AgentRun(out _);

        using var missing = await _server.PostTracesAsync(OtlpBodies.Protobuf(trace.Request()), key: null);
        using var wrong = await _server.PostTracesAsync(OtlpBodies.Json(trace.Request()), key: "keel_sk_not-a-key");

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (missing.StatusCode, wrong.StatusCode));
        Assert.Equal(16, RpcStatus.Parser.ParseFrom(await missing.Content.ReadAsByteArrayAsync(Ct)).Code);
        Assert.Equal(16, JsonNode.Parse(await wrong.Content.ReadAsStringAsync(Ct))!["code"]!.GetValue<int>());
        Assert.Null(await _server.FindTraceTaskAsync(trace.TraceId));
    }

    [Fact]
    public async Task Another_customers_key_cannot_add_to_a_trace_and_invalid_ids_are_rejected_as_partial_success()
    {
        var trace = TraceBuilder.AgentRun(out var run);
        using (var first = await _server.PostTracesAsync(OtlpBodies.Protobuf(trace.Request()), _server.Key))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var (_, globexKey) = await _server.CreateKeyAsync("globex");
        var intruder = trace.Add("chat gpt-4o", run.Agent.SpanId.Hex(), 900, 950, (GenAiAttributes.OperationName, "chat"));
        var invalid = new Telemetry.Otlp.Proto.Span { TraceId = Google.Protobuf.ByteString.CopyFrom(new byte[16]), SpanId = Google.Protobuf.ByteString.CopyFrom(new byte[8]), Name = "zero ids" };
        using var response = await _server.PostTracesAsync(OtlpBodies.Protobuf(trace.Request([intruder, invalid])), globexKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(2, answer.PartialSuccess.RejectedSpans);
        Assert.NotEmpty(answer.PartialSuccess.ErrorMessage);
        var task = await _server.FindTraceTaskAsync(trace.TraceId);
        Assert.Equal(_server.CustomerId, task!.CustomerId);
        Assert.Equal(5, (await _server.Store.GetSpansAsync(task.Id, Ct)).Count);
    }

    [Fact]
    public async Task The_admin_token_files_spans_under_the_customer_their_resource_names()
    {
        var trace = TraceBuilder.AgentRun(out _);

        using var response = await _server.PostTracesAsync(OtlpBodies.Protobuf(trace.Request(null, (OtlpIngestor.CustomerAttribute, "initech"))), _server.AdminToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var customer = await _server.Store.FindCustomerAsync("initech", Ct);
        Assert.NotNull(customer);
        Assert.Equal(customer.Id, (await _server.FindTraceTaskAsync(trace.TraceId))!.CustomerId);
    }

    [Fact]
    public async Task A_failed_agent_span_fails_the_task_and_a_failed_chat_fails_its_step()
    {
        var trace = new TraceBuilder();
        var agent = trace.Add("invoke_agent triage", null, 0, 100, (GenAiAttributes.OperationName, "invoke_agent"), (GenAiAttributes.AgentName, "triage"));
        agent.Status = new Status { Code = Status.Types.StatusCode.Error, Message = "agent gave up" };
        var chat = trace.Add("chat gpt-4o", agent.SpanId.Hex(), 10, 90, (GenAiAttributes.OperationName, "chat"), (GenAiAttributes.RequestModel, "gpt-4o"),
            (GenAiAttributes.ErrorType, "rate_limit_exceeded"));
        chat.Status = new Status { Code = Status.Types.StatusCode.Error };

        using var response = await _server.PostTracesAsync(OtlpBodies.Protobuf(trace.Request()), _server.Key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var task = (await _server.FindTraceTaskAsync(trace.TraceId))!;
        Assert.Equal((AgentTaskStatus.Failed, "agent gave up"), (task.Status, task.Error));
        var step = Assert.Single(await _server.Store.GetStepsAsync(task.Id, Ct));
        Assert.Equal((StepStatus.Failed, "rate_limit_exceeded"), (step.Status, step.Error));
        Assert.Equal(SpanStatus.Error, (await _server.Store.GetSpansAsync(task.Id, Ct)).Single(s => s.StepSeq == 1).Status);
    }

    /// <summary>A time as the store keeps it: to the microsecond.</summary>
    private static DateTimeOffset StoredTime(ulong unixNanos) => DateTimeOffset.UnixEpoch.AddTicks((long)(unixNanos / 1000 * 10));

    private static (string Role, string Content) Message(string json)
    {
        var message = JsonNode.Parse(json)!;
        return (message["role"]!.GetValue<string>(), message["content"]!.GetValue<string>());
    }
}
