using Keel.Journal;
using Keel.Tasks;
using Keel.Tracing;

namespace Keel.Cli.Output;

/// <summary>Maps store records to the CLI's JSON shapes.</summary>
internal static class TaskRows
{
    public static TaskRow From(TaskSummary s) => new(
        s.Task.Id,
        s.Task.Status.ToString().ToLowerInvariant(),
        s.Task.Agent,
        s.Task.CustomerId,
        s.Steps,
        s.ModelCalls,
        s.Retries,
        s.Fallbacks,
        s.InputTokens,
        s.OutputTokens,
        s.CostUsd,
        s.Duration?.TotalMilliseconds,
        s.Task.CreatedAt,
        s.Task.Error);

    public static TraceStep From(StepRecord s) => new(
        s.Seq,
        s.Kind.ToString().ToLowerInvariant(),
        s.Name,
        s.Status.ToString().ToLowerInvariant(),
        s.Attempts,
        s.Retries,
        s.Fallbacks,
        s.InputTokens,
        s.OutputTokens,
        s.CostUsd,
        (s.EndedAt - s.StartedAt).TotalMilliseconds,
        s.Error);

    public static TraceSpan From(SpanRecord s) => new(
        s.SpanId,
        s.ParentSpanId,
        s.StepSeq,
        s.Name,
        s.Status.ToString().ToLowerInvariant(),
        s.StatusMessage,
        s.StartTime,
        s.Duration.TotalMilliseconds,
        s.Attributes,
        s.SnapshotId);
}
