namespace Keel.Billing.Plans;

/// <summary>
/// One priced line of a plan: a metric, how its events are aggregated, the free allowance and the charge model.
/// </summary>
/// <param name="Id">Stable within the plan; invoice lines carry it.</param>
/// <param name="Description">Shown on invoice lines.</param>
/// <param name="Metric">A <see cref="BillableMetrics"/> name or any custom metric; ignored by <see cref="Flat"/>.</param>
public sealed record PriceComponent(string Id, string Description, string Metric, ChargeModel Model)
{
    /// <summary>
    /// Free units per period, taken off the aggregated quantity before pricing (prorated, rounded down to whole
    /// units, when the plan covers part of the period). Ignored by <see cref="Flat"/>.
    /// </summary>
    public decimal IncludedQuantity { get; init; }

    public MetricAggregation Aggregation { get; init; }
}
