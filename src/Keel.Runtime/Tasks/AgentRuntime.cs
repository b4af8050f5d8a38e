using Keel.Budgets;
using Keel.Journal;
using Keel.Metering;
using Keel.Resilience;
using Keel.Storage;

namespace Keel.Tasks;

/// <summary>Runs agents as tasks: creates the task, hands the agent its context, and records how it ended.</summary>
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
    }

    /// <summary>Budgets every model and tool call reserves against; null runs without caps.</summary>
    public BudgetLedger? Budgets { get; }

    public IKeelStore Store { get; }
    public ResilientModelCaller Models { get; }
    public UsageMeter Meter { get; }
    public TimeProvider Time { get; }

    /// <summary>Creates a task for <paramref name="agent"/> and runs it to its end. A failing agent yields a failed task, not an exception.</summary>
    public async Task<AgentTask> RunAsync(IAgent agent, string input, string customerId, string? sessionId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var task = new AgentTask
        {
            Id = KeelIds.NewTaskId(),
            Agent = agent.Name,
            CustomerId = customerId,
            SessionId = sessionId,
            Input = input,
            CreatedAt = Time.GetUtcNow(),
        };
        await Store.CreateTaskAsync(task, cancellationToken).ConfigureAwait(false);

        var running = task with { Status = AgentTaskStatus.Running, StartedAt = Time.GetUtcNow() };
        await Store.CommitStepAsync(new StepCommit { Task = running }, cancellationToken).ConfigureAwait(false);

        var context = new TaskContext(this, running);
        AgentTask finished;
        try
        {
            var output = await agent.RunAsync(context, input, cancellationToken).ConfigureAwait(false);
            finished = running with { Status = AgentTaskStatus.Succeeded, Output = output, EndedAt = Time.GetUtcNow() };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            finished = running with { Status = AgentTaskStatus.Failed, Error = ex.Message, EndedAt = Time.GetUtcNow() };
        }
        catch (OperationCanceledException)
        {
            // Cancelled by its caller: the task ends failed, not running forever, and the cancellation goes on up.
            var cancelled = running with { Status = AgentTaskStatus.Failed, Error = "The task was cancelled.", EndedAt = Time.GetUtcNow() };
            await Store.CommitStepAsync(new StepCommit { Task = cancelled, Spans = [StepTracing.AgentSpan(context.TraceId, context.RootSpanId, cancelled)] }, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await Store.CommitStepAsync(new StepCommit { Task = finished, Spans = [StepTracing.AgentSpan(context.TraceId, context.RootSpanId, finished)] }, CancellationToken.None).ConfigureAwait(false);
        return finished;
    }
}
