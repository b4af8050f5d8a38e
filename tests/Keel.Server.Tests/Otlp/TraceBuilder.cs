using Google.Protobuf;
using Keel.Telemetry.Otlp;
using Keel.Telemetry.Otlp.Proto;
using Keel.Tracing;

namespace Keel.Server.Tests.Otlp;

/// <summary>Builds OTLP export requests holding one agent's gen_ai trace, as another framework's exporter would send it.</summary>
internal sealed class TraceBuilder
{
    private readonly List<Span> _spans = [];
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow.AddMinutes(-1);

    public string TraceId { get; } = TraceIds.NewTraceId();

    public IReadOnlyList<Span> Spans => _spans;

    public Span Add(string name, string? parent, int startMs, int endMs, params (string Key, object Value)[] attributes)
    {
        var span = new Span
        {
            TraceId = OtlpIds.FromHex(TraceId),
            SpanId = OtlpIds.FromHex(TraceIds.NewSpanId()),
            ParentSpanId = OtlpIds.FromHex(parent),
            Name = name,
            Kind = Span.Types.SpanKind.Internal,
            StartTimeUnixNano = OtlpIds.UnixNanos(_start.AddMilliseconds(startMs)),
            EndTimeUnixNano = OtlpIds.UnixNanos(_start.AddMilliseconds(endMs)),
        };
        foreach (var (key, value) in attributes)
        {
            span.Attributes.Add(new KeyValue { Key = key, Value = OtlpValues.ToAnyValue(value) });
        }

        _spans.Add(span);
        return span;
    }

    public ExportTraceServiceRequest Request(IEnumerable<Span>? spans = null, params (string Key, string Value)[] resource)
    {
        var attributes = new Resource();
        attributes.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "travel-agent-service" } });
        foreach (var (key, value) in resource)
        {
            attributes.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { StringValue = value } });
        }

        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "test-framework" } };
        scope.Spans.Add(spans ?? _spans);
        return new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { Resource = attributes, ScopeSpans = { scope } } } };
    }

    /// <summary>An agent run: invoke_agent, a priced chat with content, a tool call, a chat on an unlisted model, an HTTP span.</summary>
    public static TraceBuilder AgentRun(out AgentRunSpans spans)
    {
        var trace = new TraceBuilder();
        var agent = trace.Add("invoke_agent travel", null, 0, 900,
            (GenAiAttributes.OperationName, "invoke_agent"), (GenAiAttributes.AgentName, "travel"), (GenAiAttributes.ConversationId, $"conv-{trace.TraceId[..8]}"));
        var parent = agent.SpanId.Hex();
        var chat = trace.Add("chat gpt-4o-mini", parent, 10, 300,
            (GenAiAttributes.OperationName, "chat"), (GenAiAttributes.ProviderName, "openai"), (GenAiAttributes.RequestModel, "gpt-4o-mini"),
            (GenAiAttributes.ResponseModel, "gpt-4o-mini-2024-07-18"), (GenAiAttributes.UsageInputTokens, 1200L), (GenAiAttributes.UsageOutputTokens, 80L),
            ("gen_ai.system_instructions", """[{"type":"text","content":"You book trips."}]"""),
            ("gen_ai.input.messages", """[{"role":"user","parts":[{"type":"text","content":"Book me a flight to Lisbon"}]}]"""),
            ("gen_ai.output.messages", """[{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"search_flights","arguments":{"to":"LIS"}}],"finish_reason":"tool_call"}]"""));
        var tool = trace.Add("execute_tool search_flights", parent, 310, 400,
            (GenAiAttributes.OperationName, "execute_tool"), (GenAiAttributes.ToolName, "search_flights"), (GenAiAttributes.ToolCallId, "call_1"),
            ("gen_ai.tool.call.result", """{"flights":["TP123"]}"""));
        var http = trace.Add("GET /flights", tool.SpanId.Hex(), 320, 390, ("http.request.method", "GET"));
        var local = trace.Add("chat my-local-llm", parent, 410, 800,
            (GenAiAttributes.OperationName, "chat"), (GenAiAttributes.RequestModel, "my-local-llm"), (GenAiAttributes.UsageInputTokens, 1500L), (GenAiAttributes.UsageOutputTokens, 40L),
            ("gen_ai.output.messages", """[{"role":"assistant","parts":[{"type":"text","content":"Booked TP123."}],"finish_reason":"stop"}]"""));
        spans = new AgentRunSpans(agent, chat, tool, http, local);
        return trace;
    }
}

internal sealed record AgentRunSpans(Span Agent, Span Chat, Span Tool, Span Http, Span LocalChat);

internal static class OtlpBodies
{
    public static ByteArrayContent Protobuf(IMessage request) => Content(request.ToByteArray(), "application/x-protobuf");

    public static ByteArrayContent Json(ExportTraceServiceRequest request) => Content(System.Text.Encoding.UTF8.GetBytes(OtlpJson.Format(request)), "application/json");

    public static ByteArrayContent Content(byte[] bytes, string type, string? encoding = null)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(type);
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }

        return content;
    }
}
