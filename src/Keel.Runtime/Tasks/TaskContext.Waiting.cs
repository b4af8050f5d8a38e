using System.Globalization;
using System.Text.Json;
using Keel.Approvals;
using Keel.Journal;
using Keel.Oversight;

namespace Keel.Tasks;

public sealed partial class TaskContext
{
    /// <summary>Sleeps shorter than this are waited out in the process; longer ones park the task.</summary>
    private static readonly TimeSpan InlineSleepLimit = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A durable timer: the wake time is journaled, and a sleep longer than a second parks the task as waiting,
    /// freeing its worker. A worker picks the task up when the time comes, also after a restart.
    /// </summary>
    public async Task SleepAsync(TimeSpan delay, string name = "sleep", CancellationToken cancellationToken = default)
    {
        var step = NextStep(StepKind.Timer, name);
        DateTimeOffset wakeAt;
        if (step.Recorded is { Result: { } recordedWake })
        {
            wakeAt = DateTimeOffset.Parse(recordedWake, CultureInfo.InvariantCulture);
        }
        else
        {
            var start = _runtime.Time.GetUtcNow();
            wakeAt = start + delay;
            await CommitAsync(PlainStep(step.Seq, StepKind.Timer, name, start, wakeAt.ToString("O", CultureInfo.InvariantCulture), null)).ConfigureAwait(false);
        }

        var remaining = wakeAt - _runtime.Time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return;
        }

        if (remaining <= InlineSleepLimit)
        {
            await System.Threading.Tasks.Task.Delay(remaining, _runtime.Time, cancellationToken).ConfigureAwait(false);
            return;
        }

        throw new TaskSuspendedException($"sleeping until {wakeAt:O}", wakeAt);
    }

    /// <summary>
    /// Asks a person to approve something and parks the task as <c>waiting</c> until they decide (through the API,
    /// <c>keel approve|reject</c> or the dashboard). The decision is journaled with the reviewer's time, priced at
    /// the customer's hourly rate. Without a decision by <see cref="ApprovalOptions.Timeout"/>, the timeout policy applies.
    /// </summary>
    /// <exception cref="ApprovalTimedOutException">The wait timed out under <see cref="ApprovalTimeoutPolicy.Fail"/>.</exception>
    public async Task<ApprovalResult> WaitForApprovalAsync(string request, ApprovalOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(request);
        options ??= new ApprovalOptions();
        var step = NextStep(StepKind.Approval, options.StepName);
        if (step.Recorded is { } recorded)
        {
            return recorded.Status == StepStatus.Succeeded
                ? JsonSerializer.Deserialize(recorded.Result!, RuntimeJson.Default.ApprovalResult)!
                : throw new StepFailedException(Task.Id, recorded);
        }

        var now = _runtime.Time.GetUtcNow();
        var approval = await _runtime.Store.GetApprovalAsync(Task.Id, step.Seq, cancellationToken).ConfigureAwait(false);
        if (approval is null)
        {
            var opened = new Approval
            {
                TaskId = Task.Id, Seq = step.Seq, CustomerId = Task.CustomerId, Request = request, RequestedAt = now,
                TimeoutAt = options.Timeout is { } timeout ? now + timeout : null,
            };
            throw new TaskSuspendedException($"waiting for approval: {request}", opened.TimeoutAt, new StepCommit { OpenApproval = opened });
        }

        if (approval.Status == ApprovalStatus.Pending)
        {
            if (approval.TimeoutAt is not { } due || due > now)
            {
                throw new TaskSuspendedException($"waiting for approval: {request}", approval.TimeoutAt);
            }

            return await TimeOutAsync(step.Seq, options, approval, now).ConfigureAwait(false);
        }

        return await DecidedAsync(step.Seq, options.StepName, approval, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs another agent as a child task and returns its output. The parent parks while the child runs on any
    /// worker that has its agent, and resumes with the child's result (a failed child fails this step).
    /// </summary>
    public async Task<string> RunChildAsync(string agent, string input, CancellationToken cancellationToken = default)
    {
        var step = NextStep(StepKind.Child, agent);
        if (step.Recorded is { } recorded)
        {
            return recorded.Status == StepStatus.Succeeded ? recorded.Result ?? "" : throw new StepFailedException(Task.Id, recorded);
        }

        var now = _runtime.Time.GetUtcNow();
        var child = await _runtime.Store.FindChildTaskAsync(Task.Id, step.Seq, cancellationToken).ConfigureAwait(false);
        if (child is null)
        {
            var created = new AgentTask
            {
                Id = KeelIds.NewTaskId(), Agent = agent, CustomerId = Task.CustomerId, SessionId = Task.SessionId,
                ParentId = Task.Id, ParentStep = step.Seq, Input = input, CreatedAt = now,
            };
            throw new TaskSuspendedException($"waiting for child task {created.Id}", null, new StepCommit { CreateTaskIfMissing = created });
        }

        if (child.Status is not (AgentTaskStatus.Succeeded or AgentTaskStatus.Failed))
        {
            // The child's end wakes the parent; should it end before the parent has parked, the store wakes the
            // parent as it parks.
            throw new TaskSuspendedException($"waiting for child task {child.Id}", null);
        }

        var failure = child.Status == AgentTaskStatus.Failed ? new InvalidOperationException($"Child task {child.Id} ({agent}) failed: {child.Error}") : null;
        await CommitAsync(PlainStep(step.Seq, StepKind.Child, agent, child.StartedAt ?? now, child.Output, failure)).ConfigureAwait(false);
        return failure is null ? child.Output ?? "" : throw failure;
    }

    private async Task<ApprovalResult> TimeOutAsync(int seq, ApprovalOptions options, Approval approval, DateTimeOffset now)
    {
        if (options.OnTimeout == ApprovalTimeoutPolicy.Fail)
        {
            var error = new ApprovalTimedOutException(Task.Id, approval);
            await CommitAsync(PlainStep(seq, StepKind.Approval, options.StepName, approval.RequestedAt, null, error)).ConfigureAwait(false);
            throw error;
        }

        var result = new ApprovalResult(options.OnTimeout == ApprovalTimeoutPolicy.Approve, "timeout", "No decision before the timeout.", TimedOut: true);
        await CommitAsync(PlainStep(seq, StepKind.Approval, options.StepName, approval.RequestedAt, JsonSerializer.Serialize(result, RuntimeJson.Default.ApprovalResult), null)).ConfigureAwait(false);
        return result;
    }

    private async Task<ApprovalResult> DecidedAsync(int seq, string name, Approval approval, CancellationToken cancellationToken)
    {
        var decidedAt = approval.DecidedAt ?? _runtime.Time.GetUtcNow();
        var approved = approval.Status == ApprovalStatus.Approved;
        var result = new ApprovalResult(approved, approval.DecidedBy ?? "unknown", approval.Note, TimedOut: false);
        var intervention = InterventionJournal.New(Task, seq, result.DecidedBy, InterventionKind.Approval, approved ? "approved" : "rejected",
            decidedAt - ReviewTime.Of(approval, decidedAt), decidedAt, seq, approval.Note);
        var rate = await _runtime.Store.HumanRateAsync(Task.CustomerId, cancellationToken).ConfigureAwait(false);
        var commit = InterventionJournal.Commit(Task, seq, intervention, rate, Scope);
        await CommitAsync(commit with { Step = commit.Step! with { Name = name, Result = JsonSerializer.Serialize(result, RuntimeJson.Default.ApprovalResult) } }).ConfigureAwait(false);
        if (_runtime.Budgets is { } budgets)
        {
            await budgets.RecordAsync(Subject, HumanRates.Cost(intervention.Seconds, rate), cancellationToken).ConfigureAwait(false);
        }

        return result;
    }
}
