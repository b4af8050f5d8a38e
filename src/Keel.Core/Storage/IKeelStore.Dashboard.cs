using Keel.Approvals;
using Keel.Customers;
using Keel.Tasks;

namespace Keel.Storage;

/// <summary>The reads a dashboard needs beside the listing: counts, one session, one task's approvals, a customer's costs.</summary>
public partial interface IKeelStore
{
    /// <summary>
    /// How many tasks match the query's filters (its paging position and limit are ignored), counting at most
    /// <paramref name="cap"/>: a listing shows "10,000+" rather than make a person wait for an exact count.
    /// </summary>
    ValueTask<long> CountTasksAsync(TaskQuery query, long cap, CancellationToken cancellationToken = default);

    /// <summary>Counts of all tasks (or one customer's) by the states a person watches, and their total cost.</summary>
    ValueTask<TaskCounts> GetTaskCountsAsync(string? customerId = null, CancellationToken cancellationToken = default);

    /// <summary>The session with this id, without creating it; null when there is none.</summary>
    ValueTask<Session?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default);

    /// <summary>Every approval a task asked for, decided or not, in journal order.</summary>
    ValueTask<IReadOnlyList<Approval>> GetTaskApprovalsAsync(string taskId, CancellationToken cancellationToken = default);

    /// <summary>Approvals of one customer (all customers when null), newest request first.</summary>
    ValueTask<IReadOnlyList<Approval>> ListApprovalsAsync(string? customerId, ApprovalStatus? status, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// As <see cref="CostReportAsync(CostGrouping, DateTimeOffset, CancellationToken)"/>, over one customer's usage only
    /// (everyone's when <paramref name="customerId"/> is null).
    /// </summary>
    ValueTask<IReadOnlyList<CostRow>> CostReportAsync(CostGrouping groupBy, DateTimeOffset since, string? customerId, CancellationToken cancellationToken = default);
}
