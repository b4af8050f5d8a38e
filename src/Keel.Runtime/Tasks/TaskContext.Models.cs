using Keel.Budgets;
using Keel.Context;
using Keel.Journal;
using Keel.Resilience;
using Keel.Tracing;
using Microsoft.Extensions.AI;

namespace Keel.Tasks;

public sealed partial class TaskContext
{
    /// <summary>The previous model call's context window: the base the next one stores only its additions against.</summary>
    private ContextSnapshot? _lastSnapshot;

    /// <summary>Calls a model alias with retries and fallbacks, as one journaled step.</summary>
    /// <exception cref="ModelCallFailedException">No deployment could answer; the failed step is journaled first.</exception>
    public Task<ChatResponse> ChatAsync(string model, IReadOnlyList<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        ChatAsync(_runtime.Models, model, messages, options, cancellationToken);

    /// <summary>As the public overload, over <paramref name="models"/>' routes instead of the runtime's own.</summary>
    internal async Task<ChatResponse> ChatAsync(ResilientModelCaller models, string model, IReadOnlyList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var alias = Task.ModelOverride ?? model;
        var step = NextStep(StepKind.Model, alias, alternateName: model);
        if (step.Recorded is { } recorded)
        {
            return RecordedResponse(recorded);
        }

        var seq = step.Seq;
        using var reservation = await ReserveModelCallAsync(models, alias, messages, options, cancellationToken).ConfigureAwait(false);
        var time = _runtime.Time;
        var start = time.GetUtcNow();
        var snapshot = ContextSnapshot.FromMessages(messages.Select(MessageJson.Serialize).Prepend(MessageJson.SerializeRequest(alias, options)), _lastSnapshot);
        _lastSnapshot = snapshot;
        var stepSpanId = TraceIds.NewSpanId();

        RouteResult<ChatResponse> result;
        try
        {
            result = await models.CallAsync(alias, messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelCallFailedException ex)
        {
            var failedAt = time.GetUtcNow();
            await CommitAsync(new StepCommit
            {
                Step = new StepRecord
                {
                    TaskId = Task.Id, Seq = seq, Kind = StepKind.Model, Name = alias, Status = StepStatus.Failed,
                    Attempts = ex.Attempts.Count(a => !a.Skipped), Fallbacks = ex.Fallbacks, Error = ex.Message,
                    StartedAt = start, EndedAt = failedAt,
                },
                Spans = [StepTracing.ModelStepSpan(Scope, seq, stepSpanId, alias, start, failedAt, ex.Attempts, ex.Fallbacks, snapshot.Id, null, null, 0, ex),
                         .. StepTracing.AttemptSpans(Scope, seq, stepSpanId, ex.Attempts)],
                Snapshots = [snapshot],
            }).ConfigureAwait(false);
            throw;
        }

        var end = time.GetUtcNow();
        var served = result.Attempts[^1];
        var usage = _runtime.Meter.ForModelCall(Task, seq, served.Number, result.ServedBy, result.Value.Usage, end);
        await CommitAsync(new StepCommit
        {
            Step = new StepRecord
            {
                TaskId = Task.Id, Seq = seq, Kind = StepKind.Model, Name = alias, Status = StepStatus.Succeeded,
                Attempts = result.ProviderAttempts, Fallbacks = result.Fallbacks,
                Result = MessageJson.Serialize(result.Value.Messages[^1]),
                InputTokens = usage.InputTokens, OutputTokens = usage.OutputTokens, CostUsd = usage.CostUsd,
                StartedAt = start, EndedAt = end,
            },
            Spans = [StepTracing.ModelStepSpan(Scope, seq, stepSpanId, alias, start, end, result.Attempts, result.Fallbacks, snapshot.Id, result.Value.ResponseId, result.Value.FinishReason?.Value, usage.CostUsd, null),
                     .. StepTracing.AttemptSpans(Scope, seq, stepSpanId, result.Attempts)],
            Snapshots = [snapshot],
            Usage = [usage],
        }).ConfigureAwait(false);
        reservation?.Settle(usage.CostUsd);
        return result.Value;
    }

    /// <summary>A model step's answer as the journal holds it: the message, and the tokens it was billed for.</summary>
    private ChatResponse RecordedResponse(StepRecord recorded)
    {
        if (recorded.Status != StepStatus.Succeeded || recorded.Result is null)
        {
            throw new StepFailedException(Task.Id, recorded);
        }

        var message = MessageJson.Deserialize(recorded.Result);
        return new ChatResponse(message)
        {
            FinishReason = message.Contents.OfType<FunctionCallContent>().Any() ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = recorded.InputTokens, OutputTokenCount = recorded.OutputTokens, TotalTokenCount = recorded.InputTokens + recorded.OutputTokens },
        };
    }

    private async Task<BudgetReservation?> ReserveModelCallAsync(ResilientModelCaller models, string model, IReadOnlyList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        if (_runtime.Budgets is not { } budgets || !await budgets.AppliesAsync(Subject, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var route = models.Catalog.Resolve(model);
        var prompt = Tokens.TokenCounter.O200k.CountPrompt(messages, options?.Tools);
        var worstCase = WorstCase.Cost(prompt, route.Deployments.Select(d => (_runtime.Meter.Prices.Get(d.Model), d.MaxOutputTokens)), options?.MaxOutputTokens);
        return await budgets.ReserveAsync(Subject, worstCase, cancellationToken).ConfigureAwait(false);
    }
}
