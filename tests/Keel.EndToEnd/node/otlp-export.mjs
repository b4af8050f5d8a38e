// An agent instrumented with OpenTelemetry's own JavaScript SDK, exporting its gen_ai spans with the official
// OTLP/HTTP protobuf exporter to Keel's /v1/traces (BASE_URL, with the customer key API_KEY as a Bearer token).
// Prints the trace it sent as JSON; exits non-zero when the exporter reports a failed export.
import { context, trace, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";

const exporter = new OTLPTraceExporter({
  url: `${process.env.BASE_URL}/v1/traces`,
  headers: { Authorization: `Bearer ${process.env.API_KEY}` },
});

// The exporter reports each export's result to the processor only; keep them to fail loudly on a refusal.
const results = [];
const checked = {
  export: (spans, done) => exporter.export(spans, (result) => { results.push(result); done(result); }),
  shutdown: () => exporter.shutdown(),
  forceFlush: () => exporter.forceFlush(),
};

const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ "service.name": "node-travel-agent" }),
  spanProcessors: [new BatchSpanProcessor(checked)],
});
const tracer = provider.getTracer("travel-agent", "1.0.0");

// Explicit times, as a real agent's calls would have: the chat ends before the tool starts. (Two spans started in
// the same instant would leave their order to chance.)
const t0 = Date.now();
const at = (ms) => new Date(t0 + ms);

const agent = tracer.startSpan("invoke_agent travel", {
  startTime: at(0),
  attributes: {
    "gen_ai.operation.name": "invoke_agent",
    "gen_ai.agent.name": "travel",
    "gen_ai.conversation.id": `conv-node-${Date.now()}`,
  },
});
const inAgent = trace.setSpan(context.active(), agent);

const chat = tracer.startSpan("chat gpt-4o-mini", {
  startTime: at(1),
  kind: SpanKind.CLIENT,
  attributes: {
    "gen_ai.operation.name": "chat",
    "gen_ai.provider.name": "openai",
    "gen_ai.request.model": "gpt-4o-mini",
    "gen_ai.response.model": "gpt-4o-mini",
    "gen_ai.usage.input_tokens": 950,
    "gen_ai.usage.output_tokens": 42,
    "gen_ai.response.finish_reasons": ["tool_call"],
    "gen_ai.input.messages": JSON.stringify([{ role: "user", parts: [{ type: "text", content: "Find me a flight to Lisbon" }] }]),
    "gen_ai.output.messages": JSON.stringify([{ role: "assistant", parts: [{ type: "tool_call", id: "call_1", name: "search_flights", arguments: { to: "LIS" } }], finish_reason: "tool_call" }]),
  },
}, inAgent);
chat.end(at(40));

const tool = tracer.startSpan("execute_tool search_flights", {
  startTime: at(41),
  attributes: { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "search_flights", "gen_ai.tool.call.id": "call_1" },
}, inAgent);
tool.setStatus({ code: SpanStatusCode.ERROR, message: "flight search timed out" });
tool.end(at(60));

agent.end(at(61));
await provider.forceFlush();
await provider.shutdown();

const failed = results.filter((r) => r.code !== 0);
if (results.length === 0 || failed.length > 0) {
  console.error(`export failed: ${failed.map((r) => r.error?.message ?? r.code).join("; ") || "nothing was exported"}`);
  process.exit(1);
}

const ids = (span) => ({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
console.log(JSON.stringify({
  trace_id: agent.spanContext().traceId,
  agent: ids(agent),
  chat: { ...ids(chat), parent_span_id: agent.spanContext().spanId },
  tool: { ...ids(tool), parent_span_id: agent.spanContext().spanId },
  exports: results.length,
}));
