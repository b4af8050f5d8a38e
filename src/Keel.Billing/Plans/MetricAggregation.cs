using System.Text.Json.Serialization;

namespace Keel.Billing.Plans;

/// <summary>
/// How a component turns its events into the one number it prices. Like a billable metric's aggregation in
/// Lago or Orb: counting things sums quantities, pricing money sums values.
/// </summary>
public enum MetricAggregation
{
    /// <summary>
    /// Sum of values for <see cref="PercentageOfValue"/>, <see cref="CostPassThrough"/> and value metrics
    /// (<see cref="BillableMetrics.IsValueMetric"/>); sum of quantities otherwise.
    /// </summary>
    [JsonStringEnumMemberName("default")]
    Default = 0,

    /// <summary>Sum of <c>MeteredEvent.Quantity</c>.</summary>
    [JsonStringEnumMemberName("sum_of_quantity")]
    SumOfQuantity = 1,

    /// <summary>Sum of <c>MeteredEvent.Value</c> (events without a value add nothing).</summary>
    [JsonStringEnumMemberName("sum_of_value")]
    SumOfValue = 2,
}
