using Keel.Journal;
using Keel.Tasks;
using Keel.Tracing;

namespace Keel.Forks;

/// <summary>
/// One of the source's steps as the fork's journal holds it: the recorded result to replay, and a span that says
/// where it came from. No usage: the step was paid for once, by the task that ran it.
/// </summary>
internal static class ReusedStep
{
    public static StepCommit Commit(AgentTask fork, SpanScope scope, AgentTask source, StepRecord step, IReadOnlyList<SpanRecord> sourceSpans, bool edited)
    {
        var record = step with
        {
            TaskId = fork.Id,
            Attempts = 0, // no provider was asked in this task: its retries and fallbacks stay the source's
            Fallbacks = 0,
            CostUsd = 0,
        };
        return new StepCommit { Step = record, Spans = [Span(scope, source, record, StepSpan(step.Seq, sourceSpans), edited)] };
    }

    /// <summary>The step's own span in the source: the one that is not a child of another span of the step (an attempt).</summary>
    private static SpanRecord? StepSpan(int seq, IReadOnlyList<SpanRecord> sourceSpans)
    {
        var ofStep = sourceSpans.Where(s => s.StepSeq == seq).ToList();
        return ofStep.FirstOrDefault(s => !ofStep.Any(parent => parent.SpanId == s.ParentSpanId));
    }

    private static SpanRecord Span(SpanScope scope, AgentTask source, StepRecord step, SpanRecord? original, bool edited)
    {
        var attributes = new Dictionary<string, object?>(original?.Attributes ?? new Dictionary<string, object?>(), StringComparer.Ordinal)
        {
            [TaskForks.ReusedFromAttribute] = source.Id,
        };
        if (attributes.ContainsKey(GenAiAttributes.KeelCostUsd))
        {
            attributes[GenAiAttributes.KeelCostUsd] = 0m; // its cost is the source's
        }

        if (edited)
        {
            attributes[TaskForks.EditedAttribute] = true;
            attributes.Remove(GenAiAttributes.ErrorType);
        }

        return new SpanRecord
        {
            TraceId = scope.TraceId,
            SpanId = TraceIds.NewSpanId(),
            ParentSpanId = scope.ParentSpanId,
            TaskId = scope.TaskId,
            StepSeq = step.Seq,
            Name = original?.Name ?? $"{step.Kind.ToString().ToLowerInvariant()} {step.Name}",
            StartTime = step.StartedAt,
            EndTime = step.EndedAt,
            Status = step.Status == StepStatus.Succeeded ? SpanStatus.Ok : SpanStatus.Error,
            StatusMessage = step.Error,
            Attributes = attributes,
            SnapshotId = original?.SnapshotId,
        };
    }
}
