using System.Text.Json;
using Keel.Budgets;
using Keel.Oversight;
using Keel.Server.Access;
using Keel.Server.Gateway;
using Keel.Server.Recording;
using Keel.Server.Routing;
using Keel.Server.Wire;
using Keel.Storage;
using Keel.Tasks;
using Keel.Tracing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Api;

/// <summary>
/// REST calls on a customer's own tasks: report an outcome, record human oversight. A key can only touch its
/// customer's tasks; anything else is a 404, as if the task did not exist.
/// </summary>
public static class TaskEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/v1/tasks/{id}/outcome", OutcomeAsync);
        app.MapPost("/v1/tasks/{id}/interventions", InterventionAsync);
        app.MapPost("/v1/tasks/{id}/approval", ApprovalAsync);
    }

    /// <summary>
    /// Decides the approval a task waits for: <c>{"approved": true|false, "by": "...", "note": "...", "review_seconds": N}</c>.
    /// The task wakes and journals the decision with the reviewer's priced time; 409 when nothing waits for one.
    /// </summary>
    private static async Task ApprovalAsync(HttpContext http, string id, ApiKeyAuthenticator keys, IKeelStore store, StepWriter writer, GatewayCatalog catalog, TimeProvider time)
    {
        var body = await ReadAsync(http, keys, store, writer, catalog, id).ConfigureAwait(false);
        if (body is not { } request)
        {
            return;
        }

        var json = request.Json;
        var by = json.TryGetProperty("by", out var b) && b.ValueKind == JsonValueKind.String ? b.GetString() : null;
        var note = json.TryGetProperty("note", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        double? seconds = json.TryGetProperty("review_seconds", out var r) && r.ValueKind == JsonValueKind.Number && r.TryGetDouble(out var s) ? s : null;
        if (!json.TryGetProperty("approved", out var a) || a.ValueKind is not (JsonValueKind.True or JsonValueKind.False) || string.IsNullOrWhiteSpace(by) || seconds < 0)
        {
            await GatewayResponses.WriteErrorAsync(http, OpenAiError.Invalid(
                "A decision needs 'approved' (true or false) and 'by' (who decides); 'note' and 'review_seconds' (not negative) are optional.")).ConfigureAwait(false);
            return;
        }

        var decided = await store.DecideApprovalAsync(request.Task.Id, new Approvals.ApprovalDecision(a.GetBoolean(), by, note, seconds), time.GetUtcNow(), http.RequestAborted).ConfigureAwait(false);
        if (decided is null)
        {
            await GatewayResponses.WriteErrorAsync(http, OpenAiError.Conflict($"Task {request.Task.Id} has no approval waiting for a decision.")).ConfigureAwait(false);
            return;
        }

        await Results.Json(new ApprovalDecidedJson(decided.TaskId, decided.Seq, decided.Request, decided.Status.ToString().ToLowerInvariant(), decided.DecidedBy), TaskApiJson.Default.ApprovalDecidedJson)
            .ExecuteAsync(http).ConfigureAwait(false);
    }

    private static async Task OutcomeAsync(HttpContext http, string id, ApiKeyAuthenticator keys, IKeelStore store, StepWriter writer, GatewayCatalog catalog)
    {
        var body = await ReadAsync(http, keys, store, writer, catalog, id).ConfigureAwait(false);
        if (body is not { } request)
        {
            return;
        }

        TaskOutcome? outcome = request.Json.TryGetProperty("outcome", out var o) && o.ValueKind == JsonValueKind.String
            && Enum.TryParse<TaskOutcome>(o.GetString(), ignoreCase: true, out var parsed) ? parsed : null;
        if (outcome is null)
        {
            await GatewayResponses.WriteErrorAsync(http, OpenAiError.Invalid("'outcome' must be \"success\" or \"failure\".", "outcome")).ConfigureAwait(false);
            return;
        }

        decimal? value = null;
        if (request.Json.TryGetProperty("value", out var v) && v.ValueKind != JsonValueKind.Null)
        {
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetDecimal(out var parsedValue))
            {
                await GatewayResponses.WriteErrorAsync(http, OpenAiError.Invalid("'value' must be a number.", "value")).ConfigureAwait(false);
                return;
            }

            value = parsedValue;
        }

        await store.SetOutcomeAsync(request.Task.Id, outcome.Value, value, http.RequestAborted).ConfigureAwait(false);
        await Results.Json(new OutcomeSetJson(request.Task.Id, outcome.Value.ToString().ToLowerInvariant(), value), TaskApiJson.Default.OutcomeSetJson).ExecuteAsync(http).ConfigureAwait(false);
    }

    private static async Task InterventionAsync(HttpContext http, string id, ApiKeyAuthenticator keys, IKeelStore store, TaskDirectory tasks, StepWriter writer, GatewayCatalog catalog, BudgetLedger budgets, TimeProvider time)
    {
        var body = await ReadAsync(http, keys, store, writer, catalog, id).ConfigureAwait(false);
        if (body is not { } request)
        {
            return;
        }

        var json = request.Json;
        string? Text(string name) => json.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        DateTimeOffset? Time(string name) => json.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String && p.TryGetDateTimeOffset(out var t) ? t : null;
        var actor = Text("actor");
        var ended = Time("ended_at") ?? time.GetUtcNow();
        var started = Time("started_at")
            ?? (json.TryGetProperty("seconds", out var secs) && secs.ValueKind == JsonValueKind.Number && secs.TryGetDouble(out var seconds) && seconds >= 0 && seconds <= MaxSeconds
                ? ended.AddSeconds(-seconds)
                : null);
        var kind = Enum.TryParse<InterventionKind>(Text("kind") ?? "intervention", ignoreCase: true, out var k) ? k : (InterventionKind?)null;
        int? stepSeq = json.TryGetProperty("step", out var st) && st.ValueKind == JsonValueKind.Number && st.TryGetInt32(out var step) && step > 0 ? step : null;
        if (actor is null || started is null || kind is null || started > ended)
        {
            await GatewayResponses.WriteErrorAsync(http, OpenAiError.Invalid(
                "An intervention needs 'actor', and 'seconds' (0 to a year) or 'started_at' (with 'ended_at', default now) in order; 'kind' is approval, intervention or review.")).ConfigureAwait(false);
            return;
        }

        if (InterventionJournal.OutsideStepsRefused(request.Task) is { } refusal)
        {
            await GatewayResponses.WriteErrorAsync(http, OpenAiError.Conflict(refusal)).ConfigureAwait(false);
            return;
        }

        var seq = await tasks.NextSeqAsync(request.Task.Id, request.Task.CustomerId, http.RequestAborted).ConfigureAwait(false) ?? 0;
        var intervention = InterventionJournal.New(request.Task, seq, actor, kind.Value, Text("decision"), started.Value, ended, stepSeq, Text("note"));
        var rate = await store.HumanRateAsync(request.Task.CustomerId, http.RequestAborted).ConfigureAwait(false);
        await writer.EnqueueAsync(InterventionJournal.Commit(request.Task, seq, intervention, rate, new SpanScope(TraceIds.NewTraceId(), null, request.Task.Id))).ConfigureAwait(false);
        var task = request.Task;
        await budgets.RecordAsync(new BudgetSubject(task.CustomerId, SessionId: task.SessionId, TaskId: task.Id, Agent: task.Agent), HumanRates.Cost(intervention.Seconds, rate), http.RequestAborted).ConfigureAwait(false);
        http.Response.StatusCode = StatusCodes.Status201Created;
        await Results.Json(new InterventionRecordedJson(intervention.Id, request.Task.Id, seq, intervention.Seconds, HumanRates.Cost(intervention.Seconds, rate)), TaskApiJson.Default.InterventionRecordedJson)
            .ExecuteAsync(http).ConfigureAwait(false);
    }

    private const double MaxSeconds = 366 * 24 * 3600;

    private static async Task<(AgentTask Task, JsonElement Json)?> ReadAsync(HttpContext http, ApiKeyAuthenticator keys, IKeelStore store, StepWriter writer, GatewayCatalog catalog, string id)
    {
        var key = await keys.AuthenticateOrRefuseAsync(http).ConfigureAwait(false);
        if (key is null)
        {
            return null;
        }

        // A client that has its answer may report on the task at once, while the gateway's queue still holds the
        // task's first step: wait for the queue, or the task would look missing (404).
        await writer.FlushAsync(http.RequestAborted).ConfigureAwait(false);
        var summary = await store.GetTaskSummaryAsync(id, http.RequestAborted).ConfigureAwait(false);
        if (summary is null || summary.Task.CustomerId != key.CustomerId)
        {
            await GatewayResponses.WriteErrorAsync(http, OpenAiError.NotFound($"No task '{id}' for this API key.")).ConfigureAwait(false);
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(await RequestBody.ReadAsync(http, catalog.MaxBodyBytes, http.RequestAborted).ConfigureAwait(false));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                await GatewayResponses.WriteErrorAsync(http, OpenAiError.InvalidJson("the body must be a JSON object.")).ConfigureAwait(false);
                return null;
            }

            return (summary.Task, document.RootElement.Clone());
        }
        catch (JsonException ex)
        {
            await GatewayResponses.WriteErrorAsync(http, OpenAiError.InvalidJson(ex.Message)).ConfigureAwait(false);
            return null;
        }
        catch (GatewayException ex)
        {
            await GatewayResponses.WriteErrorAsync(http, ex.Error).ConfigureAwait(false);
            return null;
        }
    }
}
