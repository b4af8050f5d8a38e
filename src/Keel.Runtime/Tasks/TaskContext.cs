using Keel.Budgets;
using Keel.Context;
using Keel.Oversight;
using Keel.Usage;
using Keel.Journal;
using Keel.Resilience;
using Keel.Tracing;
using Microsoft.Extensions.AI;

namespace Keel.Tasks;

/// <summary>
/// What an agent's code runs against. Each model call and tool call is a journal step, committed with its
/// spans, context snapshot and priced usage in one transaction.
/// </summary>
public sealed class TaskContext
{
    private readonly AgentRuntime _runtime;
    private int _nextSeq;

    internal TaskContext(AgentRuntime runtime, AgentTask task)
    {
        _runtime = runtime;
        Task = task;
        TraceId = TraceIds.NewTraceId();
        RootSpanId = TraceIds.NewSpanId();
        Scope = new SpanScope(TraceId, RootSpanId, task.Id);
    }

    public AgentTask Task { get; }

    public string TraceId { get; }

    /// <summary>The task's <c>invoke_agent</c> span, parent of every step's span.</summary>
    public string RootSpanId { get; }

    private SpanScope Scope { get; }

    /// <summary>Calls a model alias with retries and fallbacks, as one journaled step.</summary>
    /// <exception cref="ModelCallFailedException">No deployment could answer; the failed step is journaled first.</exception>
    public async Task<ChatResponse> ChatAsync(string model, IReadOnlyList<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var reservation = await ReserveModelCallAsync(model, messages, options, cancellationToken).ConfigureAwait(false);
        var seq = Interlocked.Increment(ref _nextSeq);
        var time = _runtime.Time;
        var start = time.GetUtcNow();
        var snapshot = ContextSnapshot.FromMessages(messages.Select(MessageJson.Serialize).Prepend(MessageJson.SerializeRequest(model, options)));
        var stepSpanId = TraceIds.NewSpanId();

        RouteResult<ChatResponse> result;
        try
        {
            result = await _runtime.Models.CallAsync(model, messages, options, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelCallFailedException ex)
        {
            var failedAt = time.GetUtcNow();
            await CommitAsync(new StepCommit
            {
                Step = new StepRecord
                {
                    TaskId = Task.Id, Seq = seq, Kind = StepKind.Model, Name = model, Status = StepStatus.Failed,
                    Attempts = ex.Attempts.Count(a => !a.Skipped), Fallbacks = ex.Fallbacks, Error = ex.Message,
                    StartedAt = start, EndedAt = failedAt,
                },
                Spans = [StepTracing.ModelStepSpan(Scope, seq, stepSpanId, model, start, failedAt, ex.Attempts, ex.Fallbacks, snapshot.Id, null, null, 0, ex),
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
                TaskId = Task.Id, Seq = seq, Kind = StepKind.Model, Name = model, Status = StepStatus.Succeeded,
                Attempts = result.ProviderAttempts, Fallbacks = result.Fallbacks,
                Result = MessageJson.Serialize(result.Value.Messages[^1]),
                InputTokens = usage.InputTokens, OutputTokens = usage.OutputTokens, CostUsd = usage.CostUsd,
                StartedAt = start, EndedAt = end,
            },
            Spans = [StepTracing.ModelStepSpan(Scope, seq, stepSpanId, model, start, end, result.Attempts, result.Fallbacks, snapshot.Id, result.Value.ResponseId, result.Value.FinishReason?.Value, usage.CostUsd, null),
                     .. StepTracing.AttemptSpans(Scope, seq, stepSpanId, result.Attempts)],
            Snapshots = [snapshot],
            Usage = [usage],
        }).ConfigureAwait(false);
        reservation?.Settle(usage.CostUsd);
        return result.Value;
    }

    /// <summary>Runs a tool as one journaled step; its result (or error) is recorded with its span.</summary>
    /// <param name="costUsd">What one call of the tool costs (a paid search API, say): reserved, then recorded as tool usage.</param>
    public async Task<string> ToolAsync(string name, string? callId, Func<CancellationToken, Task<string>> invoke, decimal costUsd = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invoke);
        using var reservation = costUsd > 0 && _runtime.Budgets is { } budgets
            ? await budgets.ReserveAsync(Subject, costUsd, cancellationToken).ConfigureAwait(false)
            : null;
        var seq = Interlocked.Increment(ref _nextSeq);
        var start = _runtime.Time.GetUtcNow();
        string? result = null;
        Exception? error = null;
        try
        {
            result = await invoke(cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            error = ex;
            throw;
        }
        finally
        {
            var end = _runtime.Time.GetUtcNow();
            if (error is not null || result is not null)
            {
                await CommitAsync(new StepCommit
                {
                    Step = new StepRecord
                    {
                        TaskId = Task.Id, Seq = seq, Kind = StepKind.Tool, Name = name,
                        Status = error is null ? StepStatus.Succeeded : StepStatus.Failed,
                        Result = result, Error = error?.Message, StartedAt = start, EndedAt = end, CostUsd = costUsd,
                    },
                    Spans = [StepTracing.ToolSpan(Scope, seq, name, callId, start, end, error)],
                    Usage = costUsd > 0 ? [ToolUsage(seq, name, costUsd, end)] : [],
                }).ConfigureAwait(false);
                reservation?.Settle(costUsd);
            }
        }
    }

    /// <summary>
    /// Records a person's time on this task (an approval, an intervention, a review) as a journal step, priced at
    /// the customer's hourly rate into the task's cost.
    /// </summary>
    public async Task<Intervention> RecordInterventionAsync(
        string actor, InterventionKind kind, string? decision, DateTimeOffset startedAt, DateTimeOffset endedAt, int? stepSeq = null, string? note = null, CancellationToken cancellationToken = default)
    {
        var seq = Interlocked.Increment(ref _nextSeq);
        var intervention = InterventionJournal.New(Task, seq, actor, kind, decision, startedAt, endedAt, stepSeq, note);
        var rate = await _runtime.Store.HumanRateAsync(Task.CustomerId, cancellationToken).ConfigureAwait(false);
        await CommitAsync(InterventionJournal.Commit(Task, seq, intervention, rate, Scope)).ConfigureAwait(false);
        if (_runtime.Budgets is { } budgets)
        {
            await budgets.RecordAsync(Subject, HumanRates.Cost(intervention.Seconds, rate), cancellationToken).ConfigureAwait(false);
        }
        return intervention;
    }

    /// <summary>Reports how the task ended for the business: what cost per successful outcome divides by.</summary>
    public async Task ReportOutcomeAsync(TaskOutcome outcome, decimal? value = null, CancellationToken cancellationToken = default) =>
        await _runtime.Store.SetOutcomeAsync(Task.Id, outcome, value, cancellationToken).ConfigureAwait(false);

    private BudgetSubject Subject => new(Task.CustomerId, SessionId: Task.SessionId, TaskId: Task.Id, Agent: Task.Agent);

    private async Task<BudgetReservation?> ReserveModelCallAsync(string model, IReadOnlyList<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        if (_runtime.Budgets is not { } budgets || !await budgets.AppliesAsync(Subject, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var route = _runtime.Models.Catalog.Resolve(model);
        var prompt = Tokens.TokenCounter.O200k.CountPrompt(messages, options?.Tools);
        var worstCase = WorstCase.Cost(prompt, route.Deployments.Select(d => (_runtime.Meter.Prices.Get(d.Model), d.MaxOutputTokens)), options?.MaxOutputTokens);
        return await budgets.ReserveAsync(Subject, worstCase, cancellationToken).ConfigureAwait(false);
    }

    private UsageEvent ToolUsage(int seq, string tool, decimal costUsd, DateTimeOffset at) => new()
    {
        IdempotencyKey = $"{Task.Id}/{seq}/tool", CustomerId = Task.CustomerId, TaskId = Task.Id, StepSeq = seq, Kind = UsageKind.Tool,
        Resource = tool, CostUsd = costUsd, CreatedAt = at, SessionId = Task.SessionId, Agent = Task.Agent,
    };

    // Committing is not cancellable: a step that ran must reach the journal even as its task is being cancelled.
    private ValueTask CommitAsync(StepCommit commit) => _runtime.Store.CommitStepAsync(commit, CancellationToken.None);
}
