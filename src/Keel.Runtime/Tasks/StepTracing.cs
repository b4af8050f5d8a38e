using System.Collections.ObjectModel;
using Keel.Providers;
using Keel.Resilience;
using Keel.Tracing;

namespace Keel.Tasks;

/// <summary>Where a step's spans hang: the trace, the parent span (the task's agent span), and the task.</summary>
public sealed record SpanScope(string TraceId, string? ParentSpanId, string TaskId);

/// <summary>
/// Builds the gen_ai spans of one step: the step's own span and one child per provider attempt. The SDK's task
/// runtime and the gateway both record model calls through it, so their traces read the same.
/// </summary>
public static class StepTracing
{
    public static SpanRecord ModelStepSpan(
        SpanScope scope, int seq, string spanId, string alias, DateTimeOffset start, DateTimeOffset end,
        IReadOnlyList<ModelAttempt> attempts, int fallbacks, string snapshotId, string? responseId, string? finishReason, decimal cost, Exception? error)
    {
        var served = attempts.LastOrDefault(a => a.Succeeded);
        var providerAttempts = attempts.Count(a => !a.Skipped);
        var attributes = new Dictionary<string, object?>(capacity: 16) // room for every attribute below: no resizing per call
        {
            [GenAiAttributes.OperationName] = GenAiAttributes.Operations.Chat,
            [GenAiAttributes.RequestModel] = alias,
            [GenAiAttributes.KeelAttempts] = providerAttempts,
            [GenAiAttributes.KeelRetries] = Math.Max(0, providerAttempts - 1 - fallbacks),
            [GenAiAttributes.KeelFallbacks] = fallbacks,
        };
        if (served is not null)
        {
            attributes[GenAiAttributes.ProviderName] = served.Deployment.Provider;
            attributes[GenAiAttributes.KeelDeployment] = served.Deployment.Name;
            attributes[GenAiAttributes.ResponseModel] = served.ResponseModel ?? served.Deployment.Model;
            attributes[GenAiAttributes.ResponseId] = responseId;
            if (finishReason is not null || error is null)
            {
                // A stream that broke off has no finish reason; "stop" would claim the answer was whole.
                attributes[GenAiAttributes.ResponseFinishReasons] = new[] { finishReason ?? "stop" };
            }

            attributes[GenAiAttributes.UsageInputTokens] = served.Usage?.InputTokenCount ?? 0;
            attributes[GenAiAttributes.UsageOutputTokens] = served.Usage?.OutputTokenCount ?? 0;
            attributes[GenAiAttributes.KeelCostUsd] = cost;
        }

        if (error is not null)
        {
            attributes[GenAiAttributes.ErrorType] = error switch
            {
                ModelCallFailedException failed => failed.LastError.ErrorType,
                ModelCallException call => call.ErrorType, // a stream that broke off after it opened
                _ => error.GetType().Name,
            };
        }

        return new SpanRecord
        {
            TraceId = scope.TraceId,
            SpanId = spanId,
            ParentSpanId = scope.ParentSpanId,
            TaskId = scope.TaskId,
            StepSeq = seq,
            Name = $"{GenAiAttributes.Operations.Chat} {alias}",
            StartTime = start,
            EndTime = end,
            Status = error is null ? SpanStatus.Ok : SpanStatus.Error,
            StatusMessage = error?.Message,
            Attributes = attributes,
            SnapshotId = snapshotId,
        };
    }

    public static IEnumerable<SpanRecord> AttemptSpans(SpanScope scope, int seq, string parentSpanId, IReadOnlyList<ModelAttempt> attempts)
    {
        foreach (var attempt in attempts)
        {
            var attributes = new Dictionary<string, object?>
            {
                [GenAiAttributes.OperationName] = GenAiAttributes.Operations.Chat,
                [GenAiAttributes.ProviderName] = attempt.Deployment.Provider,
                [GenAiAttributes.RequestModel] = attempt.Deployment.Model,
                [GenAiAttributes.KeelDeployment] = attempt.Deployment.Name,
                [GenAiAttributes.KeelAttempt] = attempt.Number,
            };
            if (attempt.Usage is { } usage)
            {
                attributes[GenAiAttributes.UsageInputTokens] = usage.InputTokenCount ?? 0;
                attributes[GenAiAttributes.UsageOutputTokens] = usage.OutputTokenCount ?? 0;
            }

            if (attempt.Error is { } error)
            {
                attributes[GenAiAttributes.ErrorType] = error.ErrorType;
                if (error.RetryAfter is { } retryAfter)
                {
                    attributes[GenAiAttributes.KeelRetryAfterMs] = (long)retryAfter.TotalMilliseconds;
                }
            }

            yield return new SpanRecord
            {
                TraceId = scope.TraceId,
                SpanId = TraceIds.NewSpanId(),
                ParentSpanId = parentSpanId,
                TaskId = scope.TaskId,
                StepSeq = seq,
                Name = $"{GenAiAttributes.Operations.Chat} {attempt.Deployment.Model}",
                StartTime = attempt.StartedAt,
                EndTime = attempt.EndedAt,
                Status = attempt.Error is null ? SpanStatus.Ok : SpanStatus.Error,
                StatusMessage = attempt.Error?.Message,
                Attributes = attributes,
            };
        }
    }

    public static SpanRecord ToolSpan(SpanScope scope, int seq, string name, string? callId, DateTimeOffset start, DateTimeOffset end, Exception? error) =>
        StepSpan(scope, seq, $"{GenAiAttributes.Operations.ExecuteTool} {name}", start, end, error, new Dictionary<string, object?>
        {
            [GenAiAttributes.OperationName] = GenAiAttributes.Operations.ExecuteTool,
            [GenAiAttributes.ToolName] = name,
            [GenAiAttributes.ToolCallId] = callId,
            [GenAiAttributes.ErrorType] = error?.GetType().Name,
        });

    /// <summary>The span of a step that is neither a model nor a tool call: journaled code, a timer, a child task.</summary>
    public static SpanRecord PlainSpan(SpanScope scope, int seq, Journal.StepKind kind, string name, DateTimeOffset start, DateTimeOffset end, Exception? error) =>
        StepSpan(scope, seq, $"{kind.ToString().ToLowerInvariant()} {name}", start, end, error,
            error is null ? ReadOnlyDictionary<string, object?>.Empty : new Dictionary<string, object?> { [GenAiAttributes.ErrorType] = error.GetType().Name });

    /// <summary>A step's own span under the task's agent span; failed when <paramref name="error"/> is set.</summary>
    private static SpanRecord StepSpan(SpanScope scope, int seq, string name, DateTimeOffset start, DateTimeOffset end, Exception? error, IReadOnlyDictionary<string, object?> attributes) => new()
    {
        TraceId = scope.TraceId,
        SpanId = TraceIds.NewSpanId(),
        ParentSpanId = scope.ParentSpanId,
        TaskId = scope.TaskId,
        StepSeq = seq,
        Name = name,
        StartTime = start,
        EndTime = end,
        Status = error is null ? SpanStatus.Ok : SpanStatus.Error,
        StatusMessage = error?.Message,
        Attributes = attributes,
    };

    public static SpanRecord HumanSpan(SpanScope scope, int seq, Oversight.Intervention intervention) => new()
    {
        TraceId = scope.TraceId,
        SpanId = TraceIds.NewSpanId(),
        ParentSpanId = scope.ParentSpanId,
        TaskId = scope.TaskId,
        StepSeq = seq,
        Name = $"human_{intervention.Kind.ToString().ToLowerInvariant()} {intervention.Actor}",
        StartTime = intervention.StartedAt,
        EndTime = intervention.EndedAt,
        Attributes = new Dictionary<string, object?>
        {
            ["keel.human.actor"] = intervention.Actor,
            ["keel.human.decision"] = intervention.Decision,
            ["keel.human.seconds"] = intervention.Seconds,
        },
    };

    public static SpanRecord AgentSpan(string traceId, string spanId, AgentTask finished) => new()
    {
        TraceId = traceId,
        SpanId = spanId,
        TaskId = finished.Id,
        Name = $"{GenAiAttributes.Operations.InvokeAgent} {finished.Agent}",
        StartTime = finished.StartedAt ?? finished.CreatedAt,
        EndTime = finished.EndedAt ?? finished.CreatedAt,
        Status = finished.Status == AgentTaskStatus.Failed ? SpanStatus.Error : SpanStatus.Ok,
        StatusMessage = finished.Error,
        Attributes = new Dictionary<string, object?>
        {
            [GenAiAttributes.OperationName] = GenAiAttributes.Operations.InvokeAgent,
            [GenAiAttributes.AgentName] = finished.Agent,
            [GenAiAttributes.ConversationId] = finished.SessionId,
        },
    };
}
