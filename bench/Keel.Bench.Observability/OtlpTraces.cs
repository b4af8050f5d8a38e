using Google.Protobuf;
using Keel.Telemetry.Otlp;
using Keel.Telemetry.Otlp.Proto;
using Keel.Tracing;

namespace Keel.Bench.Observability;

/// <summary>
/// Agent traces as another framework's OpenTelemetry SDK exports them (gen_ai semantic conventions, message content
/// not captured, which is the SDKs' default): per trace an <c>invoke_agent</c> span, three <c>chat</c> calls, two
/// <c>execute_tool</c> calls and an HTTP client span under each tool: 8 spans. The same traces are also given as
/// Keel <see cref="SpanRecord"/>s, for the store-only rate.
/// </summary>
internal static class OtlpTraces
{
    public const int SpansPerTrace = 8;

    /// <summary>One export request of <paramref name="traces"/> new traces, as an exporter batches them.</summary>
    public static ExportTraceServiceRequest Request(Random rng, int traces)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "opentelemetry.instrumentation.openai_agents", Version = "0.9.1" } };
        for (var t = 0; t < traces; t++)
        {
            foreach (var span in Trace(rng))
            {
                scope.Spans.Add(ToOtlp(span));
            }
        }

        var resource = new Resource();
        foreach (var (key, value) in new[] { ("service.name", "travel-agents"), ("service.version", "2.4.1"), ("telemetry.sdk.name", "opentelemetry"), ("telemetry.sdk.language", "python"), ("telemetry.sdk.version", "1.38.0") })
        {
            resource.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { StringValue = value } });
        }

        return new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { Resource = resource, ScopeSpans = { scope } } } };
    }

    /// <summary>The spans of one new trace, for a task with id <c>task_</c> + its trace id (as ingestion names it).</summary>
    public static List<SpanRecord> Trace(Random rng)
    {
        var traceId = Hex(rng, 16);
        var taskId = $"task_{traceId}";
        var start = DateTimeOffset.UtcNow.AddSeconds(-rng.Next(60, 600));
        var root = Hex(rng, 8);
        var spans = new List<SpanRecord>
        {
            Record(traceId, taskId, root, null, "invoke_agent travel", start, 9_000, new()
            {
                [GenAiAttributes.OperationName] = "invoke_agent", [GenAiAttributes.AgentName] = "travel", ["gen_ai.agent.id"] = "agt_travel_01",
            }),
        };
        var at = start.AddMilliseconds(20);
        for (var call = 1; call <= 3; call++)
        {
            var chatMs = rng.Next(400, 2_500);
            spans.Add(Record(traceId, taskId, Hex(rng, 8), root, "chat gpt-4o-mini", at, chatMs, new()
            {
                [GenAiAttributes.OperationName] = "chat", [GenAiAttributes.ProviderName] = "openai", [GenAiAttributes.RequestModel] = "gpt-4o-mini",
                [GenAiAttributes.ResponseModel] = "gpt-4o-mini-2024-07-18", [GenAiAttributes.ResponseId] = $"chatcmpl-{Hex(rng, 12)}",
                [GenAiAttributes.ResponseFinishReasons] = new[] { call < 3 ? "tool_calls" : "stop" }, [GenAiAttributes.RequestMaxTokens] = 1024L,
                ["gen_ai.request.temperature"] = 0.2, [GenAiAttributes.UsageInputTokens] = (long)rng.Next(800, 4_000), [GenAiAttributes.UsageOutputTokens] = (long)rng.Next(20, 400),
                ["server.address"] = "api.openai.com", ["server.port"] = 443L,
            }));
            at = at.AddMilliseconds(chatMs + 5);
            if (call == 3)
            {
                break;
            }

            var tool = call == 1 ? "search_flights" : "get_itinerary";
            var toolMs = rng.Next(80, 900);
            var toolSpan = Hex(rng, 8);
            spans.Add(Record(traceId, taskId, toolSpan, root, $"execute_tool {tool}", at, toolMs, new()
            {
                [GenAiAttributes.OperationName] = "execute_tool", [GenAiAttributes.ToolName] = tool, [GenAiAttributes.ToolCallId] = $"call_{Hex(rng, 12)}",
                ["gen_ai.tool.type"] = "function", ["gen_ai.tool.description"] = "Searches flights between two airports on a date.",
            }));
            spans.Add(Record(traceId, taskId, Hex(rng, 8), toolSpan, "GET", at.AddMilliseconds(5), toolMs - 10, new()
            {
                ["http.request.method"] = "GET", ["url.full"] = $"https://api.example-travel.com/v2/{tool}?q={Hex(rng, 4)}", ["http.response.status_code"] = 200L,
                ["server.address"] = "api.example-travel.com", ["network.protocol.version"] = "1.1",
            }));
            at = at.AddMilliseconds(toolMs + 5);
        }

        return spans;
    }

    private static SpanRecord Record(string traceId, string taskId, string spanId, string? parent, string name, DateTimeOffset start, int ms, Dictionary<string, object?> attributes) => new()
    {
        TraceId = traceId, SpanId = spanId, ParentSpanId = parent, TaskId = taskId, Name = name, StartTime = start, EndTime = start.AddMilliseconds(ms), Attributes = attributes,
    };

    private static Span ToOtlp(SpanRecord record)
    {
        var span = new Span
        {
            TraceId = OtlpIds.FromHex(record.TraceId),
            SpanId = OtlpIds.FromHex(record.SpanId),
            ParentSpanId = OtlpIds.FromHex(record.ParentSpanId),
            Name = record.Name,
            Kind = record.Name.StartsWith("chat", StringComparison.Ordinal) || record.Name == "GET" ? Span.Types.SpanKind.Client : Span.Types.SpanKind.Internal,
            StartTimeUnixNano = OtlpIds.UnixNanos(record.StartTime),
            EndTimeUnixNano = OtlpIds.UnixNanos(record.EndTime),
            Status = new Status { Code = Status.Types.StatusCode.Ok },
        };
        foreach (var (key, value) in record.Attributes)
        {
            span.Attributes.Add(new KeyValue { Key = key, Value = OtlpValues.ToAnyValue(value) });
        }

        return span;
    }

    private static string Hex(Random rng, int bytes)
    {
        var buffer = new byte[bytes];
        rng.NextBytes(buffer);
        buffer[0] |= 1; // never all zero
        return Convert.ToHexStringLower(buffer);
    }

    public static ByteArrayContent Protobuf(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/x-protobuf");
        return content;
    }

    public static byte[] Bytes(IMessage message) => message.ToByteArray();
}
