using Keel.Journal;
using Keel.Storage;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Usage;

namespace Keel.Oversight;

/// <summary>
/// Journals a person's time on a task: an approval step with its span, the intervention, and its priced human
/// usage, committed together. Running agents, the CLI and the REST API all record oversight this way.
/// </summary>
public static class InterventionJournal
{
    /// <summary>
    /// Records an intervention on a task from outside its agent (CLI, REST); it takes the task's next step. Refused
    /// for a task the durable runtime still runs or will resume, whose step numbers belong to its code.
    /// </summary>
    public static async Task<Intervention> RecordAsync(IKeelStore store, AgentTask task, string actor, InterventionKind kind, string? decision,
        DateTimeOffset startedAt, DateTimeOffset endedAt, int? stepSeq = null, string? note = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(task);
        if (OutsideStepsRefused(task) is { } refusal)
        {
            throw new StoreException(refusal);
        }

        var seq = await store.NextStepSeqAsync(task.Id, cancellationToken).ConfigureAwait(false);
        var intervention = New(task, seq, actor, kind, decision, startedAt, endedAt, stepSeq, note);
        var rate = await store.HumanRateAsync(task.CustomerId, cancellationToken).ConfigureAwait(false);
        await store.CommitStepAsync(Commit(task, seq, intervention, rate, new SpanScope(TraceIds.NewTraceId(), null, task.Id)), cancellationToken).ConfigureAwait(false);
        return intervention;
    }

    /// <summary>
    /// Why a step may not be added to the task from outside its code, or null when it may. A task the durable
    /// runtime still runs or will resume numbers its own next steps; a step taken from outside would break its replay.
    /// </summary>
    public static string? OutsideStepsRefused(AgentTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return task.Status is AgentTaskStatus.Pending or AgentTaskStatus.Waiting || task is { Status: AgentTaskStatus.Running, LeaseOwner: not null }
            ? $"Task {task.Id} is {task.Status.ToString().ToLowerInvariant()} under the durable runtime, so its journal belongs to its code: " +
              "decide its approvals with `keel approve|reject` (or the approvals API), or record the time once it has ended."
            : null;
    }

    public static Intervention New(AgentTask task, int seq, string actor, InterventionKind kind, string? decision,
        DateTimeOffset startedAt, DateTimeOffset endedAt, int? stepSeq, string? note) => new()
        {
            Id = KeelIds.New("hum"),
            TaskId = task.Id,
            CustomerId = task.CustomerId,
            StepSeq = stepSeq ?? seq,
            Actor = actor,
            Kind = kind,
            Decision = decision,
            StartedAt = startedAt,
            EndedAt = endedAt,
            Note = note,
        };

    public static string StepName(InterventionKind kind, string actor) => $"{kind.ToString().ToLowerInvariant()} by {actor}";

    /// <summary>The step commit for an intervention, priced at <paramref name="usdPerHour"/>.</summary>
    public static StepCommit Commit(AgentTask task, int seq, Intervention intervention, decimal usdPerHour, SpanScope scope)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(intervention);
        var cost = HumanRates.Cost(intervention.Seconds, usdPerHour);
        return new StepCommit
        {
            Step = new StepRecord
            {
                TaskId = task.Id,
                Seq = seq,
                Kind = StepKind.Approval,
                Name = StepName(intervention.Kind, intervention.Actor),
                Status = StepStatus.Succeeded,
                Result = intervention.Decision,
                StartedAt = intervention.StartedAt,
                EndedAt = intervention.EndedAt,
                CostUsd = cost,
            },
            Spans = [StepTracing.HumanSpan(scope, seq, intervention)],
            Interventions = [intervention],
            Usage =
            [
                new UsageEvent
                {
                    IdempotencyKey = $"{task.Id}/{seq}/human",
                    CustomerId = task.CustomerId,
                    TaskId = task.Id,
                    StepSeq = seq,
                    Kind = UsageKind.Human,
                    Resource = intervention.Actor,
                    Quantity = (decimal)intervention.Seconds,
                    CostUsd = cost,
                    CreatedAt = intervention.EndedAt,
                    SessionId = task.SessionId,
                    Agent = task.Agent,
                },
            ],
        };
    }
}
