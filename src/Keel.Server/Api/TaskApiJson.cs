using System.Text.Json.Serialization;

namespace Keel.Server.Api;

// The answers of the task and billing-sync write endpoints: named types (not anonymous ones) so their JSON is
// source-generated and the native (trimmed) build of keel writes them too.

internal sealed record ApprovalDecidedJson(
    [property: JsonPropertyName("task_id")] string TaskId,
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("request")] string Request,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("decided_by")] string? DecidedBy);

internal sealed record OutcomeSetJson(
    [property: JsonPropertyName("task_id")] string TaskId,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("value")] decimal? Value);

internal sealed record InterventionRecordedJson(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("task_id")] string TaskId,
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("cost_usd")] decimal CostUsd);

internal sealed record BillingSyncedJson(
    [property: JsonPropertyName("tasks")] int Tasks,
    [property: JsonPropertyName("events_added")] int EventsAdded,
    [property: JsonPropertyName("credit_notes")] int CreditNotes,
    [property: JsonPropertyName("cursor")] long Cursor);

[JsonSerializable(typeof(ApprovalDecidedJson))]
[JsonSerializable(typeof(OutcomeSetJson))]
[JsonSerializable(typeof(InterventionRecordedJson))]
[JsonSerializable(typeof(BillingSyncedJson))]
internal sealed partial class TaskApiJson : JsonSerializerContext;
