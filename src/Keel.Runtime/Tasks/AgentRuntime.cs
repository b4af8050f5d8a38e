using Keel.Budgets;
using Keel.Journal;
using Keel.Metering;
using Keel.Resilience;
using Keel.Storage;
using Keel.Workers;

namespace Keel.Tasks;

/// <summary>
/// Runs agents as durable tasks: creates the task, hands the agent its context, keeps the task's lease alive while
/// it runs, and records how it ended, parked or failed. Workers (<see cref="TaskWorkerPool"/>) resume tasks through
/// <see cref="ExecuteAsync"/> after a crash, a timer or a decision.
/// </summary>
public sealed class AgentRuntime
{
    public AgentRuntime(IKeelStore store, ResilientModelCaller models, UsageMeter meter, TimeProvider? timeProvider = null, BudgetLedger? budgets = null)
    {
        meter.EnsurePriced(models.Catalog);
        Store = store;
        Models = models;
        Meter = meter;
        Time = timeProvider ?? TimeProvider.System;
        Budgets = budgets;
        InlineWorker = WorkerIds.New("inline");
    }

    /// <summary>Budgets every model and tool call reserves against; null runs without caps.</summary>
    public BudgetLedger? Budgets { get; }

    public IKeelStore Store { get; }
    public ResilientModelCaller Models { get; }
    public UsageMeter Meter { get; }
    public TimeProvider Time { get; }

    /// <summary>How long a lease lasts without a heartbeat: how soon a crashed worker's tasks run elsewhere.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Where tasks in a session get the context they start with (see <see cref="TaskContext.GetSessionHistoryAsync"/>):
    /// Keel.Memory's assembler adds summaries and relevant memories. Null keeps the plain history policy.
    /// </summary>
    public Memory.ISessionContextSource? SessionContext { get; init; }

    /// <summary>The lease owner of tasks this runtime runs through <see cref="RunAsync"/>, outside a worker pool.</summary>
    public string InlineWorker { get; }

    /// <summary>Queues a task for the workers that run <paramref name="agent"/>.</summary>
    public async Task<AgentTask> SubmitAsync(string agent, string input, string customerId, string? sessionId = null, CancellationToken cancellationToken = default)
    {
        var task = new AgentTask
        {
            Id = KeelIds.NewTaskId(), Agent = agent, CustomerId = customerId, SessionId = sessionId, Input = input, CreatedAt = Time.GetUtcNow(),
        };
        await Store.CreateTaskAsync(task, cancellationToken).ConfigureAwait(false);
        return task;
    }

    /// <summary>
    /// Creates a task for <paramref name="agent"/> and runs it here, now, until it ends or parks. A failing agent
    /// yields a failed task, not an exception. Should this process die, a worker with the agent resumes the task.
    /// </summary>
    public async Task<AgentTask> RunAsync(IAgent agent, string input, string customerId, string? sessionId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var now = Time.GetUtcNow();
        var task = new AgentTask
        {
            Id = KeelIds.NewTaskId(), Agent = agent.Name, CustomerId = customerId, SessionId = sessionId, Input = input, CreatedAt = now,
            Status = AgentTaskStatus.Running, StartedAt = now, LeaseOwner = InlineWorker, LeaseExpiresAt = now + Lease,
        };
        await Store.CreateTaskAsync(task, cancellationToken).ConfigureAwait(false);
        return await ExecuteAsync(task, agent, InlineWorker, failOnCancel: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a task that <paramref name="worker"/> holds the lease of, replaying its journal, until it ends or parks.
    /// Returns the task's new state; a task whose lease was lost on the way comes back unchanged (its new holder
    /// carries on).
    /// </summary>
    /// <param name="failOnCancel">
    /// True ends a cancelled task as failed (its caller gave up on it); false hands it back to the queue at once
    /// (a worker shutting down).
    /// </param>
    public async Task<AgentTask> ExecuteAsync(AgentTask task, IAgent agent, string worker, bool failOnCancel = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(agent);
        var journal = await Store.GetStepsAsync(task.Id, cancellationToken).ConfigureAwait(false);
        var running = task with { Status = AgentTaskStatus.Running, StartedAt = task.StartedAt ?? Time.GetUtcNow(), LeaseOwner = worker };
        var context = new TaskContext(this, running, journal, worker);
        using var ambient = TaskContext.Enter(context); // TaskContext.Current, for code handed no context
        await using var heartbeat = new LeaseHeartbeat(Store, Time, worker, task.Id, Lease, cancellationToken);
        try
        {
            var output = await agent.RunAsync(context, task.Input ?? "", heartbeat.Token).ConfigureAwait(false);
            return await FinishAsync(context, running with { Status = AgentTaskStatus.Succeeded, Output = output }, worker, task).ConfigureAwait(false);
        }
        catch (TaskSuspendedException suspended)
        {
            var waiting = running with { Status = AgentTaskStatus.Waiting, WakeAt = suspended.WakeAt, LeaseOwner = null, LeaseExpiresAt = null };
            return await SettleAsync((suspended.Alongside ?? new StepCommit()) with { Task = waiting, LeaseOwner = worker }, waiting, task).ConfigureAwait(false);
        }
        catch (LeaseLostException)
        {
            return task;
        }
        catch (OperationCanceledException) when (heartbeat.Lost && !cancellationToken.IsCancellationRequested)
        {
            return task;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && !failOnCancel)
        {
            // A worker shutting down: the task goes back to the queue now instead of when its lease runs out.
            var released = running with { LeaseOwner = null, LeaseExpiresAt = Time.GetUtcNow() };
            await SettleAsync(new StepCommit { Task = released, LeaseOwner = worker }, released, task).ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled by its caller: the task ends failed, not running forever, and the cancellation goes on up.
            await FinishAsync(context, running with { Status = AgentTaskStatus.Failed, Error = "The task was cancelled." }, worker, task).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex)
        {
            return await FinishAsync(context, running with { Status = AgentTaskStatus.Failed, Error = ex.Message }, worker, task).ConfigureAwait(false);
        }
    }

    private async Task<AgentTask> FinishAsync(TaskContext context, AgentTask ended, string worker, AgentTask unchanged)
    {
        var finished = ended with { EndedAt = Time.GetUtcNow(), LeaseOwner = null, LeaseExpiresAt = null, WakeAt = null };
        return await SettleAsync(new StepCommit
        {
            Task = finished,
            Spans = [StepTracing.AgentSpan(context.TraceId, context.RootSpanId, finished)],
            LeaseOwner = worker,
        }, finished, unchanged).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores how a run ended. A worker that lost the lease meanwhile (it stalled and another took the task over)
    /// stores nothing and leaves the task to its new holder, whichever way its own run ended.
    /// </summary>
    private async Task<AgentTask> SettleAsync(StepCommit commit, AgentTask settled, AgentTask unchanged)
    {
        try
        {
            await Store.CommitStepAsync(commit, CancellationToken.None).ConfigureAwait(false);
            return settled;
        }
        catch (LeaseLostException)
        {
            return unchanged;
        }
    }
}
