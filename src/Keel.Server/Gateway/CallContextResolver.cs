using Keel.Server.Access;
using Keel.Server.Wire;
using Keel.Tasks;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Gateway;

/// <summary>
/// Works out whom a call is for and where it lands in the journal: the session, task and agent it names (by
/// header or in the body's metadata), checked against the key's customer, and the W3C trace it joins.
/// </summary>
public sealed class CallContextResolver(TaskDirectory tasks, SessionDirectory sessions)
{
    public async Task<CallContext> ResolveAsync(HttpContext http, ChatCompletionRequest request, string customerId, string keyId, CancellationToken cancellationToken)
    {
        var headers = http.Request.Headers;
        var sessionId = Header(headers, "X-Keel-Session-Id") ?? request.Metadata("keel_session_id");
        var taskId = Header(headers, "X-Keel-Task-Id") ?? request.Metadata("keel_task_id");
        var agent = Header(headers, "X-Keel-Agent") ?? request.Metadata("keel_agent") ?? "gateway";
        if (sessionId is not null && !await sessions.AdmitAsync(sessionId, customerId, cancellationToken).ConfigureAwait(false))
        {
            throw new GatewayException(OpenAiError.NotFound($"No session '{sessionId}' for this API key."));
        }

        var (traceId, parentSpanId) = TraceParent(Header(headers, "traceparent"));
        if (taskId is null)
        {
            return new CallContext(customerId, keyId, KeelIds.NewTaskId(), 1, Implicit: true, agent, sessionId, traceId, parentSpanId);
        }

        var seq = await tasks.NextSeqAsync(taskId, customerId, cancellationToken).ConfigureAwait(false)
            ?? throw new GatewayException(OpenAiError.NotFound($"No task '{taskId}' for this API key."));
        return new CallContext(customerId, keyId, taskId, seq, Implicit: false, agent, sessionId, traceId, parentSpanId);
    }

    /// <summary>Joins the caller's W3C trace when it sent a <c>traceparent</c>; starts a new trace otherwise.</summary>
    private static (string TraceId, string? ParentSpanId) TraceParent(string? traceparent)
    {
        var parts = traceparent?.Split('-');
        return parts is { Length: 4 } && parts[1].Length == 32 && parts[2].Length == 16
            ? (parts[1], parts[2])
            : (Tracing.TraceIds.NewTraceId(), null);
    }

    private static string? Header(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var value) && value.Count > 0 && !string.IsNullOrWhiteSpace(value[0]) ? value[0] : null;
}
