namespace Keel.Billing.Plans;

/// <summary>
/// The metrics Keel derives from its own tasks and outcomes. A metric is just a string, so an outside event
/// (<c>POST /v1/billing/events</c>) can carry any custom name; these are the ones Keel emits itself.
/// </summary>
public static class BillableMetrics
{
    /// <summary>A task started (counted once per task, retries and resumes included).</summary>
    public const string TaskStarted = "task.started";

    /// <summary>A task finished its work (status succeeded), whatever the business outcome; a failed task is not billed as completed.</summary>
    public const string TaskCompleted = "task.completed";

    /// <summary>A task whose recorded outcome is success: the "pay per successful outcome" metric.</summary>
    public const string OutcomeSuccess = "outcome.success";

    /// <summary>The outcome's value (dollars recovered, tickets resolved), carried in <c>MeteredEvent.Value</c>.</summary>
    public const string OutcomeValue = "outcome.value";

    /// <summary>Keel's recorded model cost in the plan currency, carried in <c>MeteredEvent.Value</c>.</summary>
    public const string ModelCost = "model.cost";

    /// <summary>
    /// True for the metrics whose amount is the event's <c>Value</c> rather than its <c>Quantity</c>
    /// (<see cref="OutcomeValue"/> and <see cref="ModelCost"/>).
    /// </summary>
    public static bool IsValueMetric(string metric) =>
        string.Equals(metric, OutcomeValue, StringComparison.Ordinal) || string.Equals(metric, ModelCost, StringComparison.Ordinal);
}
