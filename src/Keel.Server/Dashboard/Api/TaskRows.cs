using System.Text.Json;
using Keel.Tasks;

namespace Keel.Server.Dashboard.Api;

/// <summary>A task as every listing of the API shows it (the task list, a session's tasks, the head of a task's page).</summary>
internal static class TaskRows
{
    public static void Write(Utf8JsonWriter writer, TaskSummary summary, IReadOnlyDictionary<string, string> customerNames, DateTimeOffset now)
    {
        writer.WriteStartObject();
        WriteFields(writer, summary, customerNames.GetValueOrDefault(summary.Task.CustomerId), now);
        writer.WriteEndObject();
    }

    public static void WriteFields(Utf8JsonWriter writer, TaskSummary summary, string? customerName, DateTimeOffset now)
    {
        var task = summary.Task;
        writer.WriteString("id", task.Id);
        writer.WriteString("status", ApiJson.Lower(task.Status));
        writer.WriteString("agent", task.Agent);
        writer.WriteString("customer_id", task.CustomerId);
        writer.Text("customer_name", customerName);
        writer.Text("session_id", task.SessionId);
        writer.WriteNumber("steps", summary.Steps);
        writer.WriteNumber("model_calls", summary.ModelCalls);
        writer.WriteNumber("retries", summary.Retries);
        writer.WriteNumber("fallbacks", summary.Fallbacks);
        writer.WriteNumber("input_tokens", summary.InputTokens);
        writer.WriteNumber("output_tokens", summary.OutputTokens);
        writer.WriteNumber("cost_usd", summary.CostUsd);
        writer.Number("duration_ms", DurationMs(task, now));
        writer.Time("created_at", task.CreatedAt);
        writer.Time("started_at", task.StartedAt);
        writer.Time("ended_at", task.EndedAt);
        writer.Text("outcome", task.Outcome is { } outcome ? ApiJson.Lower(outcome) : null);
        writer.Text("error", task.Error);
        writer.Text("parent_id", task.ParentId);
        writer.Text("forked_from", task.ForkedFrom);
        writer.Number("forked_at_step", task.ForkedAtStep);
        writer.Text("model_override", task.ModelOverride);
    }

    /// <summary>From start to end; a task still under way counts up to now, so a live list shows it growing.</summary>
    private static long? DurationMs(AgentTask task, DateTimeOffset now) => task.StartedAt is { } start
        ? (long)Math.Max(0, ((task.EndedAt ?? now) - start).TotalMilliseconds)
        : null;
}
