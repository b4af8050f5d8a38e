using Keel.Budgets;
using Keel.Journal;
using Keel.Usage;

namespace Keel.Tasks;

public sealed partial class TaskContext
{
    /// <summary>
    /// Runs a tool as one journaled step; its result (or error) is recorded with its span. The tool receives a
    /// <see cref="ToolCall"/> whose <see cref="ToolCall.IdempotencyKey"/> is the same in every run of the task, so a
    /// tool with side effects can recognise an attempt that a crash cut off before its result reached the journal.
    /// </summary>
    /// <param name="arguments">The call's arguments as the tool receives them (JSON, say), handed on in the <see cref="ToolCall"/>.</param>
    /// <param name="costUsd">What one call of the tool costs (a paid search API, say): reserved, then recorded as tool usage.</param>
    public async Task<string> ToolAsync(string name, string? arguments, Func<ToolCall, CancellationToken, Task<string>> invoke, decimal costUsd = 0,
        string? callId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(invoke);
        var step = NextStep(StepKind.Tool, name);
        if (step.Recorded is { } recorded)
        {
            return recorded.Status == StepStatus.Succeeded ? recorded.Result ?? "" : throw new StepFailedException(Task.Id, recorded);
        }

        var seq = step.Seq;
        using var reservation = costUsd > 0 && _runtime.Budgets is { } budgets
            ? await budgets.ReserveAsync(Subject, costUsd, cancellationToken).ConfigureAwait(false)
            : null;
        var start = _runtime.Time.GetUtcNow();
        string? result = null;
        Exception? error = null;
        try
        {
            result = await invoke(new ToolCall(Task.Id, seq, name, arguments, callId), cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ex is not TaskSuspendedException)
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

    private UsageEvent ToolUsage(int seq, string tool, decimal costUsd, DateTimeOffset at) => new()
    {
        IdempotencyKey = $"{Task.Id}/{seq}/tool", CustomerId = Task.CustomerId, TaskId = Task.Id, StepSeq = seq, Kind = UsageKind.Tool,
        Resource = tool, CostUsd = costUsd, CreatedAt = at, SessionId = Task.SessionId, Agent = Task.Agent,
    };
}

/// <summary>One call of a tool, as the tool sees it.</summary>
/// <param name="Arguments">The arguments the caller passed, as given (JSON for a model's tool call).</param>
/// <param name="CallId">The model's id for the call, when a model asked for it.</param>
public sealed record ToolCall(string TaskId, int Seq, string Name, string? Arguments, string? CallId)
{
    /// <summary>
    /// The same for this call in every run of its task: a tool that changes the world (a payment, an email) stores
    /// it with the change and skips a call whose key it has already seen.
    /// </summary>
    public string IdempotencyKey => $"{TaskId}/{Seq}";
}
