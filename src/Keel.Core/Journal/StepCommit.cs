using Keel.Context;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Usage;

namespace Keel.Journal;

/// <summary>
/// Everything one agent step produced. A store commits it in one transaction, or none of it: the journal never
/// says a step ran without its spans, usage and cost, and usage never exists for a step the journal lacks.
/// </summary>
public sealed record StepCommit
{
    /// <summary>
    /// A task to create first unless it exists: lets a caller that learns of a task with its first step (the
    /// gateway, from a header) record both in one transaction.
    /// </summary>
    public AgentTask? CreateTaskIfMissing { get; init; }

    /// <summary>The journal entry; null for a commit that only closes the task.</summary>
    public StepRecord? Step { get; init; }

    public IReadOnlyList<SpanRecord> Spans { get; init; } = [];
    public IReadOnlyList<ContextSnapshot> Snapshots { get; init; } = [];
    public IReadOnlyList<UsageEvent> Usage { get; init; } = [];

    /// <summary>Human time spent on the step (approvals, interventions); its priced usage is in <see cref="Usage"/>.</summary>
    public IReadOnlyList<Oversight.Intervention> Interventions { get; init; } = [];

    /// <summary>The task's new state, when the step changes it (start, finish, failure).</summary>
    public AgentTask? Task { get; init; }

    /// <summary>
    /// The worker committing, when a lease guards the task: the commit is refused with
    /// <see cref="Storage.LeaseLostException"/> unless that worker still holds it.
    /// </summary>
    public string? LeaseOwner { get; init; }

    /// <summary>An approval the task starts waiting for with this commit.</summary>
    public Approvals.Approval? OpenApproval { get; init; }

    /// <summary>
    /// A compare-and-set of tool state made by the step, applied in its transaction: on a version mismatch the store
    /// throws <see cref="ToolState.ToolStateConflictException"/> and stores nothing of the commit, so a state change
    /// and the journal step that made it never exist one without the other. Needs <see cref="Step"/>.
    /// </summary>
    public ToolState.ToolStateWrite? StateWrite { get; init; }

    /// <summary>
    /// Messages the step adds to its task's session, written with the step so that a resumed task never adds them
    /// twice. The store gives each its sequence number; it refuses a session that is not the task's customer's.
    /// </summary>
    public IReadOnlyList<Sessions.SessionMessage> SessionMessages { get; init; } = [];

    /// <summary>
    /// The OpenTelemetry trace whose task <see cref="CreateTaskIfMissing"/> makes (OTLP ingestion): linked to that task
    /// in the same transaction, so that the trace's later spans find the task by trace id. The store refuses the
    /// commit when the trace is already linked, so a trace never gets two tasks. Needs <see cref="CreateTaskIfMissing"/>.
    /// </summary>
    public string? IngestedTraceId { get; init; }

    /// <summary>
    /// The commit stores spans received from another framework's OpenTelemetry pipeline (OTLP ingestion), not spans Keel
    /// recorded: commit observers that export spans leave it out, since those spans left that pipeline already.
    /// </summary>
    public bool Ingested { get; init; }
}
