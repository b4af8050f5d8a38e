using Keel.Access;
using Keel.Budgets;
using Keel.Customers;
using Keel.Journal;
using Keel.Oversight;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Usage;

namespace Keel.Storage;

/// <summary>
/// The agent-native database. Every implementation passes the same conformance suite; callers never know
/// which one they have.
/// </summary>
public partial interface IKeelStore : IAsyncDisposable
{
    /// <summary>Returns the customer with this name, creating it on first use.</summary>
    ValueTask<Customer> EnsureCustomerAsync(string name, CancellationToken cancellationToken = default);

    ValueTask<Session> CreateSessionAsync(string customerId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Returns the session with this id, creating it for <paramref name="customerId"/> when it is new. The caller
    /// checks the returned owner: a session id is not a capability.
    /// </summary>
    ValueTask<Session> EnsureSessionAsync(string sessionId, string customerId, CancellationToken cancellationToken = default);

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

    /// <summary>
    /// Commits many steps in one transaction: the hot path's way to keep up with thousands of calls a second.
    /// Each commit is still all-or-nothing; a commit that fails is left out and the rest are committed.
    /// </summary>
    /// <exception cref="AggregateException">Some commits failed; it holds their errors, in batch order.</exception>
    ValueTask CommitBatchAsync(IReadOnlyList<StepCommit> commits, CancellationToken cancellationToken = default);

    /// <summary>The sequence number the next step of a task takes: one past its last journaled step.</summary>
    ValueTask<int> NextStepSeqAsync(string taskId, CancellationToken cancellationToken = default);

    ValueTask CreateApiKeyAsync(ApiKey key, CancellationToken cancellationToken = default);

    /// <summary>The key with this secret hash, unless it is unknown or revoked.</summary>
    ValueTask<ApiKey?> FindApiKeyAsync(string secretHash, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancellationToken = default);

    ValueTask<Customer?> FindCustomerAsync(string idOrName, CancellationToken cancellationToken = default);

    /// <summary>Creates the budget of a scope, or replaces its limit, period, thresholds and webhook.</summary>
    ValueTask<Budget> UpsertBudgetAsync(Budget budget, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<Budget>> ListBudgetsAsync(CancellationToken cancellationToken = default);

    /// <summary>What a scope has spent since <paramref name="since"/>: the sum of its usage events.</summary>
    ValueTask<decimal> SpentAsync(BudgetScope scope, string scopeId, string customerId, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>Records a threshold crossing; false when that threshold already fired in that period.</summary>
    ValueTask<bool> AddBudgetEventAsync(BudgetEvent budgetEvent, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<BudgetEvent>> ListBudgetEventsAsync(int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>Records how a task ended for the business; a later report replaces an earlier one.</summary>
    /// <returns>False when the task does not exist.</returns>
    ValueTask<bool> SetOutcomeAsync(string taskId, TaskOutcome outcome, decimal? value, CancellationToken cancellationToken = default);

    /// <summary>The hourly rate human time is priced at for this customer (the default when none was set).</summary>
    ValueTask<decimal> HumanRateAsync(string customerId, CancellationToken cancellationToken = default);

    ValueTask SetHumanRateAsync(string customerId, decimal usdPerHour, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<Intervention>> GetInterventionsAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>Model, tool and human cost, tasks and successful outcomes, grouped as asked, since a time.</summary>
    ValueTask<IReadOnlyList<CostRow>> CostReportAsync(CostGrouping groupBy, DateTimeOffset since, CancellationToken cancellationToken = default);
}
