using Keel.Tasks;

namespace Keel.Storage;

/// <summary>A trace already ingested over OTLP: its task as stored, and what further spans of it must not repeat.</summary>
/// <param name="TraceId">The trace id, 32 lower-case hex characters.</param>
/// <param name="Task">The trace's task (whose customer alone may add to the trace).</param>
/// <param name="NextStepSeq">The number the task's next step takes.</param>
/// <param name="SpanIds">The ids of the spans stored for the trace.</param>
public sealed record IngestedTrace(string TraceId, AgentTask Task, int NextStepSeq, IReadOnlySet<string> SpanIds);
