using System.Text.Json.Serialization;

namespace Keel.Samples.Support;

// The support tools' results, named types (not anonymous ones) so their JSON is source-generated (SamplesJson).

internal sealed record OrderFound(
    [property: JsonPropertyName("order_id")] string OrderId,
    [property: JsonPropertyName("item")] string Item,
    [property: JsonPropertyName("amount")] decimal Amount,
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("days_since_delivery")] int DaysSinceDelivery);

internal sealed record ToolError([property: JsonPropertyName("error")] string Error);

internal sealed record RefundVerdict(
    [property: JsonPropertyName("eligible")] bool Eligible,
    [property: JsonPropertyName("max_refund"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? MaxRefund,
    [property: JsonPropertyName("rule")] string Rule);

internal sealed record RefundDrafted(
    [property: JsonPropertyName("refund_id")] string RefundId,
    [property: JsonPropertyName("order_id")] string OrderId,
    [property: JsonPropertyName("amount")] decimal Amount,
    [property: JsonPropertyName("status")] string Status);
