using System.Text.Json;
using Keel.Storage;
using Keel.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Keel.Server.Dashboard.Api;

/// <summary><c>GET /api/sessions/{id}</c>: a session's tasks in the order they ran, and the conversation they shared.</summary>
internal static class SessionApi
{
    /// <summary>A session with more tasks than this shows its newest ones (the task list pages through all of them).</summary>
    private const int MaxTasks = 1_000;

    public static void Map(RouteGroupBuilder api) => api.MapGet("/sessions/{id}", GetAsync);

    private static async Task GetAsync(HttpContext http, string id, IKeelStore store, CustomerNames names, TimeProvider time)
    {
        var ct = http.RequestAborted;
        var session = await store.GetSessionAsync(id, ct).ConfigureAwait(false);
        if (session is null || !DashboardApi.Caller(http).CanSee(session.CustomerId))
        {
            await ApiJson.NotFoundAsync(http, $"session '{id}'").ConfigureAwait(false);
            return;
        }

        var newestFirst = await store.ListTasksAsync(new TaskQuery { SessionId = session.Id, CustomerId = session.CustomerId, Limit = MaxTasks }, ct).ConfigureAwait(false);
        var messages = await store.GetSessionMessagesAsync(session.CustomerId, session.Id, cancellationToken: ct).ConfigureAwait(false);
        var customerName = await names.NameAsync(session.CustomerId, ct).ConfigureAwait(false);
        var customerNames = customerName is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [session.CustomerId] = customerName };
        var now = time.GetUtcNow();
        await ApiJson.WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("session");
            writer.WriteString("id", session.Id);
            writer.WriteString("customer_id", session.CustomerId);
            writer.Text("customer_name", customerName);
            writer.Time("created_at", session.CreatedAt);
            writer.WriteEndObject();
            writer.WriteStartArray("tasks");
            foreach (var summary in newestFirst.Reverse())
            {
                TaskRows.Write(writer, summary, customerNames, now);
            }

            writer.WriteEndArray();
            writer.WriteBoolean("tasks_truncated", newestFirst.Count == MaxTasks);
            writer.WriteStartArray("messages");
            foreach (var message in messages)
            {
                writer.WriteStartObject();
                writer.WriteNumber("seq", message.Seq);
                writer.WriteString("role", message.Role);
                writer.WriteString("text", Text(message.Content));
                writer.Text("task_id", message.TaskId);
                writer.Time("created_at", message.CreatedAt);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>What a message says: its text, else the tools it called or the result it carries, else its JSON.</summary>
    private static string Text(string content)
    {
        try
        {
            using var document = JsonDocument.Parse(content);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("content", out var text) && text.ValueKind == JsonValueKind.String)
            {
                return text.GetString()!;
            }
        }
        catch (JsonException)
        {
            return content;
        }

        return StepRows.Preview(content) ?? content;
    }
}
