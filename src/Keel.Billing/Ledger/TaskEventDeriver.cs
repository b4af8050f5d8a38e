using Keel.Billing.Plans;
using Keel.Oversight;
using Keel.Tasks;

namespace Keel.Billing.Ledger;

/// <summary>
/// Turns a task's current state into the ledger entries it still lacks. It compares the state with the task's
/// entries so far, so it is idempotent: the same state against the same ledger yields nothing new, and a changed
/// outcome yields voids and corrections, never edits.
/// </summary>
public static class TaskEventDeriver
{
    /// <param name="existing">Every ledger entry of the task so far (all kinds).</param>
    public static IReadOnlyList<BillableEvent> Derive(TaskBillingChange task, IReadOnlyList<BillableEvent> existing, Func<string> newId)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(newId);
        var keys = existing.Select(e => e.IdempotencyKey).ToHashSet(StringComparer.Ordinal);
        var net = NetEventResolver.Resolve(existing);
        var derived = new List<BillableEvent>();
        var ended = task.Status is AgentTaskStatus.Succeeded or AgentTaskStatus.Failed;
        var endedAt = task.EndedAt ?? task.CreatedAt;

        void Add(string key, string metric, decimal quantity, decimal? value, DateTimeOffset at, BillableEventKind kind = BillableEventKind.Usage, string? target = null)
        {
            if (keys.Add(key))
            {
                derived.Add(new BillableEvent
                {
                    Id = newId(),
                    CustomerId = task.CustomerId,
                    IdempotencyKey = key,
                    Metric = metric,
                    Quantity = quantity,
                    Value = value,
                    Timestamp = at,
                    Kind = kind,
                    TargetEventId = target,
                    TaskId = task.TaskId,
                    Agent = task.Agent,
                });
            }
        }

        Add(EventKeys.TaskStarted(task.TaskId), BillableMetrics.TaskStarted, 1, null, task.CreatedAt);
        if (task.Status == AgentTaskStatus.Succeeded)
        {
            Add(EventKeys.TaskCompleted(task.TaskId), BillableMetrics.TaskCompleted, 1, null, endedAt);
        }

        if (ended && task.ModelCostUsd > 0)
        {
            Reconcile(BillableMetrics.ModelCost, task.ModelCostUsd, endedAt, EventKeys.ModelCost);
        }

        var success = task.Outcome == TaskOutcome.Success;
        var outcomeAt = task.OutcomeAt ?? endedAt;
        if (success)
        {
            if (!Active(BillableMetrics.OutcomeSuccess).Any())
            {
                Add(EventKeys.OutcomeSuccess(task.TaskId, Generation(BillableMetrics.OutcomeSuccess)), BillableMetrics.OutcomeSuccess, 1, null, outcomeAt);
            }
        }
        else if (task.Outcome == TaskOutcome.Failure)
        {
            VoidAll(BillableMetrics.OutcomeSuccess, outcomeAt);
        }

        if (success && task.OutcomeValue is { } value && value != 0)
        {
            Reconcile(BillableMetrics.OutcomeValue, value, outcomeAt, EventKeys.OutcomeValue);
        }
        else if (task.Outcome is not null)
        {
            VoidAll(BillableMetrics.OutcomeValue, outcomeAt);
        }

        return derived;

        IEnumerable<NetEvent> Active(string metric) => net.Where(n => !n.Voided && n.Usage.Metric == metric);

        int Generation(string metric) => net.Count(n => n.Usage.Metric == metric) + 1;

        void VoidAll(string metric, DateTimeOffset at)
        {
            foreach (var n in Active(metric))
            {
                Add(EventKeys.Void(n.Id), metric, n.Quantity, n.Value, at, BillableEventKind.Void, n.Id);
            }
        }

        // A value metric: one live event carrying the current value. A changed value corrects a live event that no
        // finalized invoice billed yet; a billed one is voided (and so credited) and the new value billed afresh.
        void Reconcile(string metric, decimal current, DateTimeOffset at, Func<string, int, string> key)
        {
            var live = Active(metric).ToList();
            if (live.Count == 0)
            {
                Add(key(task.TaskId, Generation(metric)), metric, 1, current, at);
                return;
            }

            var n = live[^1];
            if (n.Value == current)
            {
                return;
            }

            if (n.Billed)
            {
                Add(EventKeys.Void(n.Id), metric, n.Quantity, n.Value, at, BillableEventKind.Void, n.Id);
                Add(key(task.TaskId, Generation(metric)), metric, 1, current, at);
            }
            else
            {
                Add(EventKeys.Correction(n.Id, n.SourceIds.Count), metric, 1, current, n.Timestamp, BillableEventKind.Correction, n.Id);
            }
        }
    }
}
