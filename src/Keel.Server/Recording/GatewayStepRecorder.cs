using Keel.Context;
using Keel.Journal;
using Keel.Metering;
using Keel.Resilience;
using Keel.Server.Gateway;
using Keel.Server.Wire;
using Keel.Tasks;
using Keel.Tracing;

namespace Keel.Server.Recording;

/// <summary>
/// Turns one gateway call into a journal step: the step, its chat span, the context snapshot, and the priced usage
/// event, committed together. A call that took retries or fallbacks also gets one child span per attempt, as on the
/// SDK path; a call served cleanly by its first attempt does not, since that span would only repeat the chat span
/// (which already names the deployment, provider, response model and usage).
/// </summary>
public sealed class GatewayStepRecorder(StepWriter writer, UsageMeter meter)
{
    /// <returns>The call's priced cost, to settle its budget reservation with.</returns>
    public async ValueTask<decimal> RecordAsync(
        ChatCompletionRequest request,
        CallContext context,
        IReadOnlyList<ModelAttempt> attempts,
        int fallbacks,
        DateTimeOffset start,
        DateTimeOffset end,
        string? responseId,
        string? finishReason,
        string? resultMessage,
        Exception? error)
    {
        var snapshot = ContextSnapshot.FromMessages(request.ContextParts());
        var task = TaskFor(context, start);
        // A stream cut mid-answer still produced (and the provider billed) output: it is priced like any other.
        var served = attempts.LastOrDefault(a => a.Succeeded);
        var usage = served is null ? null : meter.ForModelCall(task, context.Seq, served.Number, served.Deployment, served.Usage, end, context.ApiKeyId);
        var stepSpanId = TraceIds.NewSpanId();
        var scope = new SpanScope(context.TraceId, context.ParentSpanId, context.TaskId);
        var providerAttempts = attempts.Count(a => !a.Skipped);
        await writer.EnqueueAsync(new StepCommit
        {
            CreateTaskIfMissing = task,
            Step = new StepRecord
            {
                TaskId = context.TaskId,
                Seq = context.Seq,
                Kind = StepKind.Model,
                Name = request.Model,
                Status = error is null ? StepStatus.Succeeded : StepStatus.Failed,
                Attempts = providerAttempts,
                Fallbacks = fallbacks,
                Result = resultMessage,
                Error = error?.Message,
                InputTokens = usage?.InputTokens ?? 0,
                OutputTokens = usage?.OutputTokens ?? 0,
                CostUsd = usage?.CostUsd ?? 0,
                StartedAt = start,
                EndedAt = end,
            },
            Spans = Spans(scope, context.Seq, stepSpanId, StepTracing.ModelStepSpan(scope, context.Seq, stepSpanId, request.Model, start, end, attempts, fallbacks, snapshot.Id, responseId, finishReason, usage?.CostUsd ?? 0, error), attempts, error),
            Snapshots = [snapshot],
            Usage = usage is null ? [] : [usage],
            Task = context.Implicit
                ? task with
                {
                    Status = error is null ? AgentTaskStatus.Succeeded : AgentTaskStatus.Failed,
                    Output = error is null ? resultMessage : null,
                    Error = error?.Message,
                    EndedAt = end,
                }
                : null,
        }).ConfigureAwait(false);
        return usage?.CostUsd ?? 0;
    }

    /// <summary>Whether the call's attempts are worth spans of their own: only when there was more than one clean try.</summary>
    private static bool NeedsAttemptSpans(IReadOnlyList<ModelAttempt> attempts, Exception? error) =>
        error is not null || attempts is not [{ Succeeded: true, Error: null }];

    private static SpanRecord[] Spans(SpanScope scope, int seq, string stepSpanId, SpanRecord step, IReadOnlyList<ModelAttempt> attempts, Exception? error) =>
        NeedsAttemptSpans(attempts, error) ? [step, .. StepTracing.AttemptSpans(scope, seq, stepSpanId, attempts)] : [step];

    private static AgentTask TaskFor(CallContext context, DateTimeOffset start) => new()
    {
        Id = context.TaskId,
        Agent = context.Agent,
        CustomerId = context.CustomerId,
        SessionId = context.SessionId,
        Status = AgentTaskStatus.Running,
        CreatedAt = start,
        StartedAt = start,
    };
}
