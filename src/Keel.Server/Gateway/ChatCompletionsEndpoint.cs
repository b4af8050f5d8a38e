using System.Globalization;
using System.Text;
using System.Text.Json;
using Keel.Budgets;
using Keel.Providers;
using Keel.Resilience;
using Keel.Server.Access;
using Keel.Server.Recording;
using Keel.Server.Routing;
using Keel.Server.Upstreams;
using Keel.Server.Wire;
using Keel.Tasks;
using Keel.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.AI;

namespace Keel.Server.Gateway;

/// <summary>
/// <c>POST /v1/chat/completions</c>: authenticate, parse, route, call with retries and fallbacks, answer (a
/// stream passes through as it arrives), and record the call as a journal step.
/// </summary>
public sealed class ChatCompletionsEndpoint(
    GatewayCatalog catalog,
    RoutePlanner planner,
    LatencyTracker latency,
    ResilientModelCaller caller,
    ApiKeyAuthenticator keys,
    TaskDirectory tasks,
    SessionDirectory sessions,
    GatewayStepRecorder recorder,
    BudgetLedger budgets,
    TimeProvider time)
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public async Task HandleAsync(HttpContext http)
    {
        var cancellationToken = http.RequestAborted;
        try
        {
            var key = await keys.AuthenticateAsync(http.Request.Headers.Authorization, cancellationToken).ConfigureAwait(false)
                ?? throw new GatewayException(http.Request.Headers.Authorization.Count == 0 ? OpenAiError.MissingKey() : OpenAiError.BadKey());
            var request = ChatCompletionRequest.Parse(await ReadBodyAsync(http, catalog.MaxBodyBytes, cancellationToken).ConfigureAwait(false));
            if (!catalog.TryGet(request.Model, out var route))
            {
                throw new GatewayException(OpenAiError.UnknownModel(request.Model));
            }

            var context = await ResolveContextAsync(http, request, key.CustomerId, key.Id, cancellationToken).ConfigureAwait(false);
            var subject = new BudgetSubject(key.CustomerId, key.Id, context.SessionId, context.Implicit ? null : context.TaskId, context.Agent);
            var degrade = route.DegradeAt is { } degradeAt && budgets.Pressure(subject) >= (decimal)degradeAt;
            var plan = planner.Plan(route, request, degrade);

            // Admission: the worst case is reserved on every budget that applies before any provider is called.
            using var reservation = await budgets.AppliesAsync(subject, cancellationToken).ConfigureAwait(false)
                ? await budgets.ReserveAsync(subject, WorstCase.Cost(request.PromptTokens(Tokens), plan.Select(d => (d.Price, d.Deployment.MaxOutputTokens)), request.MaxTokens), cancellationToken).ConfigureAwait(false)
                : null;
            http.Response.Headers["x-keel-task-id"] = context.TaskId;
            if (degrade)
            {
                http.Response.Headers["x-keel-degraded"] = "cheapest";
            }

            var call = new Call(request, plan, context, reservation);
            if (request.Stream)
            {
                await StreamAsync(http, call, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await CompleteAsync(http, call, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (GatewayException ex) when (!http.Response.HasStarted)
        {
            await WriteErrorAsync(http, ex.Error).ConfigureAwait(false);
        }
        catch (BudgetExceededException ex) when (!http.Response.HasStarted)
        {
            await WriteErrorAsync(http, OpenAiError.BudgetExceeded(ex)).ConfigureAwait(false);
        }
    }

    /// <summary>One admitted call: what was asked, where it may go, for whom, and the budget hold it settles.</summary>
    private sealed record Call(ChatCompletionRequest Request, IReadOnlyList<GatewayDeployment> Plan, CallContext Context, BudgetReservation? Reservation);

    // Loaded on first use: a gateway with no budgets never pays for the tokenizer's memory.
    private static TokenCounter Tokens => TokenCounter.O200k;

    private async Task CompleteAsync(HttpContext http, Call call, CancellationToken cancellationToken)
    {
        var (request, plan, context, reservation) = call;
        var start = time.GetUtcNow();
        RouteResult<UpstreamCompletion> result;
        try
        {
            result = await caller.ExecuteAsync(request.Model, [.. plan.Select(d => d.Deployment)],
                (deployment, attempt, token) => new ValueTask<UpstreamCompletion>(Upstream(plan, deployment).CompleteAsync(request, deployment, attempt, token)),
                cancellationToken).ConfigureAwait(false);
        }
        catch (ModelCallFailedException ex)
        {
            await recorder.RecordAsync(request, context, ex.Attempts, ex.Fallbacks, start, time.GetUtcNow(), null, null, null, ex).ConfigureAwait(false);
            await WriteFailureAsync(http, ex).ConfigureAwait(false);
            return;
        }

        var end = time.GetUtcNow();
        latency.Record(result.ServedBy.Name, end - result.Attempts[^1].StartedAt);
        var completion = result.Value;
        var served = result.Attempts[^1];
        served.Usage ??= CountedUsage(request, OutputText(completion.ResultMessage), served.Deployment); // an answer without usage is never free
        SetRouteHeaders(http, result.ServedBy.Name, result.ProviderAttempts, result.Fallbacks);
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = completion.Body.Length;

        // Recorded before the answer is written: the call is paid for even if the client has gone, and a client
        // holding the answer can count on the step being queued (StepWriter.FlushAsync then waits for it).
        var cost = await recorder.RecordAsync(request, context, result.Attempts, result.Fallbacks, start, end, completion.ResponseId, completion.FinishReason, completion.ResultMessage, null).ConfigureAwait(false);
        reservation?.Settle(cost);
        await http.Response.Body.WriteAsync(completion.Body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Fallback happens only while opening the stream: once the first byte is on its way to the client, a failure
    /// ends the stream with an error event and no [DONE], never as a clean finish.
    /// </summary>
    private async Task StreamAsync(HttpContext http, Call call, CancellationToken cancellationToken)
    {
        var (request, plan, context, reservation) = call;
        var start = time.GetUtcNow();
        RouteResult<UpstreamStream> opened;
        try
        {
            opened = await caller.ExecuteAsync(request.Model, [.. plan.Select(d => d.Deployment)],
                (deployment, attempt, token) => new ValueTask<UpstreamStream>(Upstream(plan, deployment).OpenStreamAsync(request, deployment, attempt, token, cancellationToken)),
                cancellationToken).ConfigureAwait(false);
        }
        catch (ModelCallFailedException ex)
        {
            await recorder.RecordAsync(request, context, ex.Attempts, ex.Fallbacks, start, time.GetUtcNow(), null, null, null, ex).ConfigureAwait(false);
            await WriteFailureAsync(http, ex).ConfigureAwait(false);
            return;
        }

        await using var stream = opened.Value;
        latency.Record(opened.ServedBy.Name, time.GetUtcNow() - opened.Attempts[^1].StartedAt);
        SetRouteHeaders(http, opened.ServedBy.Name, opened.ProviderAttempts, opened.Fallbacks);
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        Exception? failure = null;
        var recorded = false;
        async Task RecordStepAsync()
        {
            if (recorded)
            {
                return;
            }

            recorded = true;
            var accumulator = stream.Accumulator;
            var served = opened.Attempts[^1];

            // An upstream that sends no usage (or a stream cut before it) is priced by counting: a call that
            // produced output is never recorded as free.
            if (served.Usage is null && accumulator.Usage is null)
            {
                served.Usage = CountedUsage(request, accumulator.OutputText, served.Deployment);
            }

            served.Usage ??= accumulator.Usage;
            // Not inside reservation?.Settle(...): with no budget (a null reservation) the call would never be recorded.
            var cost = await recorder.RecordAsync(request, context, opened.Attempts, opened.Fallbacks, start, time.GetUtcNow(), accumulator.ResponseId, accumulator.FinishReason, accumulator.ResultMessage(), failure).ConfigureAwait(false);
            reservation?.Settle(cost);
        }

        try
        {
            while (await stream.ReadAsync(cancellationToken).ConfigureAwait(false) is { } payload)
            {
                await http.Response.Body.WriteAsync(DataPrefix, cancellationToken).ConfigureAwait(false);
                await http.Response.Body.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
                await http.Response.Body.WriteAsync(EventEnd, cancellationToken).ConfigureAwait(false);
                await http.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            // Queued before the client sees the end, as for a whole answer (see CompleteAsync).
            await RecordStepAsync().ConfigureAwait(false);
            await http.Response.Body.WriteAsync(Done, cancellationToken).ConfigureAwait(false);
        }
        catch (ModelCallException ex)
        {
            failure = ex;
            await RecordStepAsync().ConfigureAwait(false);
            var error = new OpenAiError(502, $"The upstream stream broke off mid-answer: {ex.Message}", "server_error", "stream_interrupted");
            await http.Response.Body.WriteAsync(DataPrefix, CancellationToken.None).ConfigureAwait(false);
            await http.Response.Body.WriteAsync(error.ToJson(), CancellationToken.None).ConfigureAwait(false);
            await http.Response.Body.WriteAsync(EventEnd, CancellationToken.None).ConfigureAwait(false);
            await http.Response.Body.FlushAsync(CancellationToken.None).ConfigureAwait(false);

            // The error event is for clients that read it (the openai npm client throws it). Others (the OpenAI .NET
            // SDK) take a stream that ends cleanly, even without [DONE], for a whole answer: rethrowing makes Kestrel
            // close the connection without the final chunk, after sending what was written, so they fail too.
            throw;
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            failure = new ModelCallException(ModelErrorKind.Connection, "The client disconnected mid-stream.", inner: ex);
        }
        finally
        {
            await RecordStepAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Usage by counting, for an upstream that reported none: the prompt, and the output as o200k counts it but never
    /// more than the call allowed. The provider bills at most that; its tokenizer may count fewer tokens than o200k,
    /// and an uncapped count could settle above the reservation and overspend a budget.
    /// </summary>
    private static UsageDetails CountedUsage(ChatCompletionRequest request, string output, global::Keel.Routing.Deployment deployment)
    {
        var prompt = request.PromptTokens(Tokens);
        var counted = Math.Min(Tokens.Count(output), request.MaxTokens ?? deployment.MaxOutputTokens);
        return new UsageDetails { InputTokenCount = prompt, OutputTokenCount = counted, TotalTokenCount = prompt + counted };
    }

    /// <summary>What an OpenAI-shaped assistant message generated: tool names and arguments, then its text.</summary>
    private static string OutputText(string message)
    {
        using var document = JsonDocument.Parse(message);
        var root = document.RootElement;
        var text = new StringBuilder();
        if (root.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                if (call.TryGetProperty("function", out var function))
                {
                    text.Append(function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null)
                        .Append(function.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.String ? arguments.GetString() : null);
                }
            }
        }

        return text.Append(root.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String ? content.GetString() : null).ToString();
    }

    private async Task<CallContext> ResolveContextAsync(HttpContext http, ChatCompletionRequest request, string customerId, string keyId, CancellationToken cancellationToken)
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

    private static IUpstream Upstream(IReadOnlyList<GatewayDeployment> plan, global::Keel.Routing.Deployment deployment) =>
        plan.First(d => ReferenceEquals(d.Deployment, deployment)).Upstream;

    private static async Task<byte[]> ReadBodyAsync(HttpContext http, long limit, CancellationToken cancellationToken)
    {
        if (http.Request.ContentLength > limit)
        {
            throw new GatewayException(OpenAiError.TooLarge(limit));
        }

        using var buffer = new MemoryStream(http.Request.ContentLength is { } length ? (int)length : 4096);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new GatewayException(OpenAiError.TooLarge(limit));
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static void SetRouteHeaders(HttpContext http, string deployment, int attempts, int fallbacks)
    {
        var headers = http.Response.Headers;
        headers["x-keel-deployment"] = deployment;
        headers["x-keel-attempts"] = attempts.ToString(CultureInfo.InvariantCulture);
        headers["x-keel-fallbacks"] = fallbacks.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Every deployment failed. A provider's own 400 (a bad request any deployment would refuse) is relayed as it
    /// came; otherwise the status says what kind of failure it was.
    /// </summary>
    private static async Task WriteFailureAsync(HttpContext http, ModelCallFailedException failure)
    {
        var last = failure.LastError;
        SetRouteHeaders(http, failure.Attempts.Count > 0 ? failure.Attempts[^1].Deployment.Name : "", failure.Attempts.Count(a => !a.Skipped), failure.Fallbacks);
        if (last.Kind is ModelErrorKind.BadRequest or ModelErrorKind.ContextLengthExceeded && last.ProviderBody is { Length: > 0 } body && last.StatusCode is { } status)
        {
            http.Response.StatusCode = status;
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
            return;
        }

        var error = last.Kind switch
        {
            ModelErrorKind.RateLimited => new OpenAiError(429, $"Every deployment of '{failure.Alias}' is rate limited: {last.Message}", "rate_limit_exceeded", "rate_limit_exceeded"),
            ModelErrorKind.Timeout => new OpenAiError(504, failure.Message, "server_error", "upstream_timeout"),
            ModelErrorKind.ContextLengthExceeded => new OpenAiError(400, last.Message, "invalid_request_error", "context_length_exceeded", "messages"),
            ModelErrorKind.BadRequest => new OpenAiError(400, last.Message, "invalid_request_error"),
            ModelErrorKind.CircuitOpen => new OpenAiError(503, failure.Message, "server_error", "upstream_unavailable"),
            _ => new OpenAiError(502, failure.Message, "server_error", "upstream_error"),
        };
        if (last.RetryAfter is { } retryAfter && error.Status == 429)
        {
            http.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        await WriteErrorAsync(http, error).ConfigureAwait(false);
    }

    public static async Task WriteErrorAsync(HttpContext http, OpenAiError error)
    {
        http.Response.StatusCode = error.Status;
        http.Response.ContentType = "application/json";
        var body = error.ToJson();
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
    }

    private static string? Header(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out var value) && value.Count > 0 && !string.IsNullOrWhiteSpace(value[0]) ? value[0] : null;
}
