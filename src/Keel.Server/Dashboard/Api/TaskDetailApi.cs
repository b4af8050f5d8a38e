using System.Text.Json;
using Keel.Approvals;
using Keel.Storage;
using Keel.Tasks;
using Keel.Usage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Keel.Server.Dashboard.Api;

/// <summary>
/// <c>GET /api/tasks/{id}</c>: everything a task's page shows: the task, its journal, its spans (for the waterfall),
/// its approvals and the human interventions on it, and its cost split into model, tool and human time.
/// </summary>
internal static class TaskDetailApi
{
    public static void Map(RouteGroupBuilder api) => api.MapGet("/tasks/{id}", GetAsync);

    /// <summary>The task, when it exists and the caller may see it; null after answering 404.</summary>
    public static async Task<TaskSummary?> FindVisibleAsync(HttpContext http, IKeelStore store, string id)
    {
        var summary = await store.GetTaskSummaryAsync(id, http.RequestAborted).ConfigureAwait(false);
        if (summary is null || !DashboardApi.Caller(http).CanSee(summary.Task.CustomerId))
        {
            await ApiJson.NotFoundAsync(http, $"task '{id}'").ConfigureAwait(false);
            return null;
        }

        return summary;
    }

    private static async Task GetAsync(HttpContext http, string id, IKeelStore store, CustomerNames names, TimeProvider time)
    {
        if (await FindVisibleAsync(http, store, id).ConfigureAwait(false) is not { } summary)
        {
            return;
        }

        var ct = http.RequestAborted;
        var task = summary.Task;
        var steps = await store.GetStepsAsync(task.Id, ct).ConfigureAwait(false);
        var spans = await store.GetSpansAsync(task.Id, ct).ConfigureAwait(false);
        var approvals = await store.GetTaskApprovalsAsync(task.Id, ct).ConfigureAwait(false);
        var interventions = await store.GetInterventionsAsync(task.Id, ct).ConfigureAwait(false);
        var usage = await store.GetUsageAsync(task.Id, ct).ConfigureAwait(false);
        var customerName = await names.NameAsync(task.CustomerId, ct).ConfigureAwait(false);
        var now = time.GetUtcNow();
        await ApiJson.WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("task");
            TaskRows.WriteFields(writer, summary, customerName, now);
            writer.Text("input", task.Input);
            writer.Text("output", task.Output);
            writer.Time("wake_at", task.WakeAt);
            writer.Text("lease_owner", task.LeaseOwner);
            writer.Time("lease_expires_at", task.LeaseExpiresAt);
            writer.Number("parent_step", task.ParentStep);
            writer.WriteEndObject();

            writer.WriteStartArray("steps");
            foreach (var step in steps)
            {
                writer.WriteStartObject();
                StepRows.WriteFields(writer, step);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            WriteSpans(writer, spans);
            WriteApprovals(writer, approvals);
            WriteInterventions(writer, interventions);
            WriteCost(writer, usage);
            writer.Text("outcome", task.Outcome is { } outcome ? ApiJson.Lower(outcome) : null);
            writer.Number("outcome_value", task.OutcomeValue);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static void WriteSpans(Utf8JsonWriter writer, IReadOnlyList<Tracing.SpanRecord> spans)
    {
        writer.WriteStartArray("spans");
        foreach (var span in spans)
        {
            writer.WriteStartObject();
            writer.WriteString("span_id", span.SpanId);
            writer.WriteString("trace_id", span.TraceId);
            writer.Text("parent_span_id", span.ParentSpanId);
            writer.Number("step_seq", span.StepSeq);
            writer.WriteString("name", span.Name);
            writer.Time("start_time", span.StartTime);
            writer.Time("end_time", span.EndTime);
            writer.WriteString("status", ApiJson.Lower(span.Status));
            writer.Text("status_message", span.StatusMessage);
            writer.WriteStartObject("attributes");
            foreach (var (key, value) in span.Attributes)
            {
                writer.WritePropertyName(key);
                writer.AttributeValue(value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteApprovals(Utf8JsonWriter writer, IReadOnlyList<Approval> approvals)
    {
        writer.WriteStartArray("approvals");
        foreach (var approval in approvals)
        {
            writer.WriteStartObject();
            ApprovalApi.WriteFields(writer, approval);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteInterventions(Utf8JsonWriter writer, IReadOnlyList<Oversight.Intervention> interventions)
    {
        writer.WriteStartArray("interventions");
        foreach (var intervention in interventions)
        {
            writer.WriteStartObject();
            writer.WriteString("id", intervention.Id);
            writer.Number("step_seq", intervention.StepSeq);
            writer.WriteString("actor", intervention.Actor);
            writer.WriteString("kind", ApiJson.Lower(intervention.Kind));
            writer.Text("decision", intervention.Decision);
            writer.Time("started_at", intervention.StartedAt);
            writer.Time("ended_at", intervention.EndedAt);
            writer.WriteNumber("seconds", intervention.Seconds);
            writer.Text("note", intervention.Note);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteCost(Utf8JsonWriter writer, IReadOnlyList<UsageEvent> usage)
    {
        decimal Sum(UsageKind kind) => usage.Where(u => u.Kind == kind).Sum(u => u.CostUsd);
        var model = Sum(UsageKind.Model);
        var tool = Sum(UsageKind.Tool);
        var human = Sum(UsageKind.Human);
        writer.WriteStartObject("cost");
        writer.WriteNumber("model_usd", model);
        writer.WriteNumber("tool_usd", tool);
        writer.WriteNumber("human_usd", human);
        writer.WriteNumber("total_usd", model + tool + human);
        writer.WriteEndObject();
    }
}
