using Keel.Approvals;
using Keel.Tasks;

namespace Keel.Storage;

/// <summary>The durable task queue: workers claim runnable tasks under a lease, and people decide approvals.</summary>
public partial interface IKeelStore
{
    /// <summary>
    /// Takes the task of one of <see cref="TaskClaim.Agents"/> that has been runnable longest, if any: a pending
    /// task, a running one whose lease expired, or a waiting one whose wake time has come. It comes back running,
    /// leased to the claiming worker.
    /// </summary>
    ValueTask<AgentTask?> ClaimTaskAsync(TaskClaim claim, CancellationToken cancellationToken = default);

    /// <summary>Extends the worker's leases on these tasks; returns the ids it still held (the rest were lost).</summary>
    ValueTask<IReadOnlyList<string>> RenewLeasesAsync(string worker, IReadOnlyCollection<string> taskIds, DateTimeOffset until, CancellationToken cancellationToken = default);

    /// <summary>The workers that hold leases on running tasks.</summary>
    ValueTask<IReadOnlyList<string>> ListLeaseOwnersAsync(CancellationToken cancellationToken = default);

    /// <summary>Ends every lease a worker holds at once (it is known to be dead), so its tasks are runnable now.</summary>
    ValueTask<int> ExpireLeasesAsync(string worker, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// When the next unfinished task of these agents becomes runnable (it may be now or past); null when none
    /// will without an event (all finished, or waiting for a person: an approval's timeout does not count).
    /// </summary>
    ValueTask<DateTimeOffset?> NextDueAsync(IReadOnlyCollection<string> agents, CancellationToken cancellationToken = default);

    /// <summary>The child task a parent started at one of its steps, if it got as far as creating it.</summary>
    ValueTask<AgentTask?> FindChildTaskAsync(string parentId, int parentStep, CancellationToken cancellationToken = default);

    ValueTask<Approval?> GetApprovalAsync(string taskId, int seq, CancellationToken cancellationToken = default);

    /// <summary>Decides the task's pending approval and wakes the task; null when it has none pending.</summary>
    ValueTask<Approval?> DecideApprovalAsync(string taskId, ApprovalDecision decision, DateTimeOffset decidedAt, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<Approval>> ListApprovalsAsync(ApprovalStatus? status = null, int limit = 100, CancellationToken cancellationToken = default);
}

/// <summary>A worker asking for work: who it is, which agents it can run, and how long its lease lasts.</summary>
public sealed record TaskClaim(string Worker, IReadOnlyCollection<string> Agents, DateTimeOffset Now, TimeSpan Lease);
