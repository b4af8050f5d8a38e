using Keel.Oversight;
using Keel.Tasks;

namespace Keel.Billing;

/// <summary>
/// A task whose billable state changed (created, ended, outcome reported), at the position <see cref="Seq"/> of
/// the store's change feed, with its current state: the ledger re-derives the task's events from it.
/// </summary>
/// <param name="ModelCostUsd">The task's model usage cost so far.</param>
public sealed record TaskBillingChange(
    long Seq,
    string TaskId,
    string CustomerId,
    string Agent,
    AgentTaskStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? EndedAt,
    TaskOutcome? Outcome,
    decimal? OutcomeValue,
    DateTimeOffset? OutcomeAt,
    decimal ModelCostUsd)
{
    /// <summary>
    /// The cursor of the feed's reader (the ledger sync). Moving it past a position consumes the feed up to there:
    /// the store drops those rows in the same transaction.
    /// </summary>
    public const string FeedCursor = "tasks";
}
