using Keel.Customers;
using Keel.Journal;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Usage;

namespace Keel.Storage;

/// <summary>
/// The agent-native database. Every implementation passes the same conformance suite; callers never know
/// which one they have.
/// </summary>
public interface IKeelStore : IAsyncDisposable
{
    /// <summary>Returns the customer with this name, creating it on first use.</summary>
    ValueTask<Customer> EnsureCustomerAsync(string name, CancellationToken cancellationToken = default);

    ValueTask<Session> CreateSessionAsync(string customerId, CancellationToken cancellationToken = default);

    ValueTask CreateTaskAsync(AgentTask task, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits a step's journal entry, spans, context snapshots, usage and the task's new state in one
    /// transaction. Usage whose idempotency key is already stored is skipped, so a retried commit counts once.
    /// </summary>
    ValueTask CommitStepAsync(StepCommit commit, CancellationToken cancellationToken = default);

    /// <summary>Finds a task by its id or by a prefix that names only it.</summary>
    /// <exception cref="AmbiguousTaskIdException">The prefix names more than one task.</exception>
    ValueTask<AgentTask?> FindTaskAsync(string idOrPrefix, CancellationToken cancellationToken = default);

    ValueTask<TaskSummary?> GetTaskSummaryAsync(string taskId, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<TaskSummary>> ListTasksAsync(TaskQuery query, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<StepRecord>> GetStepsAsync(string taskId, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<SpanRecord>> GetSpansAsync(string taskId, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<UsageEvent>> GetUsageAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>The messages of a context snapshot, in order, as they were serialized when stored.</summary>
    ValueTask<IReadOnlyList<string>?> GetSnapshotAsync(string snapshotId, CancellationToken cancellationToken = default);

    ValueTask<StorageStats> GetStatsAsync(CancellationToken cancellationToken = default);
}
