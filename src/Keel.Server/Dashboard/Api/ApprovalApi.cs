using System.Text.Json;
using Keel.Approvals;
using Keel.Server.Access;
using Keel.Server.Gateway;
using Keel.Server.Wire;
using Keel.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Keel.Server.Dashboard.Api;

/// <summary>
/// <c>GET /api/approvals</c>, the decisions tasks wait for, and <c>POST /api/tasks/{id}/approval</c>, which decides one:
/// the task wakes, and a worker running its agent resumes it and journals the decision with the reviewer's time.
/// </summary>
internal static class ApprovalApi
{
    private const int MaxListed = 500;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/approvals", ListAsync);
        api.MapPost("/tasks/{id}/approval", DecideAsync);
    }

    public static void WriteFields(Utf8JsonWriter writer, Approval approval)
    {
        writer.WriteNumber("seq", approval.Seq);
        writer.WriteString("request", approval.Request);
        writer.WriteString("status", approval.Status == ApprovalStatus.TimedOut ? "timed_out" : ApiJson.Lower(approval.Status));
        writer.Time("requested_at", approval.RequestedAt);
        writer.Time("timeout_at", approval.TimeoutAt);
        writer.Text("decided_by", approval.DecidedBy);
        writer.Time("decided_at", approval.DecidedAt);
        writer.Text("note", approval.Note);
    }

    private static async Task ListAsync(HttpContext http, IKeelStore store)
    {
        var caller = DashboardApi.Caller(http);
        var wanted = http.Request.Query["status"].ToString();
        if (wanted is not ("" or "pending" or "all"))
        {
            await ApiJson.InvalidAsync(http, "'status' must be pending (the default) or all.", "status").ConfigureAwait(false);
            return;
        }

        ApprovalStatus? status = wanted == "all" ? null : ApprovalStatus.Pending;
        var ct = http.RequestAborted;
        var approvals = await store.ListApprovalsAsync(caller.CustomerId, status, MaxListed, ct).ConfigureAwait(false);
        var agents = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var taskId in approvals.Select(a => a.TaskId).Distinct(StringComparer.Ordinal))
        {
            if (await store.GetTaskSummaryAsync(taskId, ct).ConfigureAwait(false) is { } summary)
            {
                agents[taskId] = summary.Task.Agent;
            }
        }

        await ApiJson.WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("approvals");
            foreach (var approval in approvals)
            {
                writer.WriteStartObject();
                writer.WriteString("task_id", approval.TaskId);
                WriteFields(writer, approval);
                writer.WriteString("customer_id", approval.CustomerId);
                writer.Text("agent", agents.GetValueOrDefault(approval.TaskId));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>{"approved": true|false, "by": "...", "note": "..."}</c>; <c>by</c> defaults to who the token says the caller
    /// is. 409 when the task waits for no decision (never asked, already decided, or timed out).
    /// </summary>
    private static async Task DecideAsync(HttpContext http, string id, IKeelStore store, TimeProvider time)
    {
        if (await TaskDetailApi.FindVisibleAsync(http, store, id).ConfigureAwait(false) is not { } summary)
        {
            return;
        }

        if (await ApiBody.ReadObjectAsync(http).ConfigureAwait(false) is not { } body)
        {
            return;
        }

        if (!body.TryGetProperty("approved", out var approved) || approved.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            await ApiJson.InvalidAsync(http, "A decision needs 'approved' (true or false); 'by' (who decides) and 'note' are optional.", "approved").ConfigureAwait(false);
            return;
        }

        var caller = DashboardApi.Caller(http);
        var by = ApiBody.Text(body, "by") ?? DefaultReviewer(caller);
        var decision = new ApprovalDecision(approved.GetBoolean(), by, ApiBody.Text(body, "note"));
        var decided = await store.DecideApprovalAsync(summary.Task.Id, decision, time.GetUtcNow(), http.RequestAborted).ConfigureAwait(false);
        if (decided is null)
        {
            await GatewayResponses.WriteErrorAsync(http, OpenAiError.Conflict($"Task {summary.Task.Id} has no approval waiting for a decision.")).ConfigureAwait(false);
            return;
        }

        await ApiJson.WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("task_id", decided.TaskId);
            WriteFields(writer, decided);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static string DefaultReviewer(DashboardCaller caller) => caller.Role switch
    {
        DashboardRole.Customer => $"customer {caller.CustomerId}",
        DashboardRole.Admin => "admin (dashboard)",
        _ => "local (dashboard)",
    };
}
