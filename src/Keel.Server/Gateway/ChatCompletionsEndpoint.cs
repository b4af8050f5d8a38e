using Keel.Budgets;
using Keel.Providers;
using Keel.Resilience;
using Keel.Server.Access;
using Keel.Server.Recording;
using Keel.Server.Routing;
using Keel.Server.Upstreams;
using Keel.Server.Wire;
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
    CallContextResolver contexts,
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
            if (await keys.AuthenticateOrRefuseAsync(http).ConfigureAwait(false) is not { } key)
            {
                return;
            }

            var request = ChatCompletionRequest.Parse(await RequestBody.ReadAsync(http, catalog.MaxBodyBytes, cancellationToken).ConfigureAwait(false));
            if (!catalog.TryGet(request.Model, out var route))
            {
                throw new GatewayException(OpenAiError.UnknownModel(request.Model));
            }

            var context = await contexts.ResolveAsync(http, request, key.CustomerId, key.Id, cancellationToken).ConfigureAwait(false);
            var subject = new BudgetSubject(key.CustomerId, key.Id, context.SessionId, context.Implicit ? null : context.TaskId, context.Agent);
            var degrade = route.DegradeAt is { } degradeAt && budgets.Pressure(subject) >= (decimal)degradeAt;
            var plan = planner.Plan(route, request, degrade);

            // Admission: the worst case is reserved on every budget that applies before any provider is called.
            using var reservation = await budgets.AppliesAsync(subject, cancellationToken).ConfigureAwait(false)
                ? await budgets.ReserveAsync(subject, WorstCase.Cost(request.PromptTokens(Tokens), plan.Select(d => (d.Price, d.Deployment.MaxOutputTokens)), request.MaxTokens, request.Choices), cancellationToken).ConfigureAwait(false)
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
            await GatewayResponses.WriteErrorAsync(http, ex.Error).ConfigureAwait(false);
        }
        catch (BudgetExceededException ex) when (!http.Response.HasStarted)
        {
            await GatewayResponses.WriteErrorAsync(http, OpenAiError.BudgetExceeded(ex)).ConfigureAwait(false);
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
            // Not cancelled when the client goes: the provider bills a call it already started, so the call is finished
            // (each attempt has its own deadline) and recorded and settled like any other.
            result = await caller.ExecuteAsync(request.Model, Deployments(plan),
                (deployment, attempt, token) => new ValueTask<UpstreamCompletion>(Upstream(plan, deployment).CompleteAsync(request, deployment, attempt, token)),
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (ModelCallFailedException ex)
        {
            await recorder.RecordAsync(request, context, ex.Attempts, ex.Fallbacks, start, time.GetUtcNow(), null, null, null, ex).ConfigureAwait(false);
            await GatewayResponses.WriteFailureAsync(http, ex).ConfigureAwait(false);
            return;
        }

        var end = time.GetUtcNow();
        latency.Record(result.ServedBy.Name, end - result.Attempts[^1].StartedAt);
        var completion = result.Value;
        var served = result.Attempts[^1];
        served.Usage ??= CountedUsage.For(request, CountedUsage.OutputText(completion.ResultMessage), served.Deployment); // an answer without usage is never free
        GatewayResponses.SetRouteHeaders(http, result.ServedBy.Name, result.ProviderAttempts, result.Fallbacks);
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
            opened = await caller.ExecuteAsync(request.Model, Deployments(plan),
                (deployment, attempt, token) => new ValueTask<UpstreamStream>(Upstream(plan, deployment).OpenStreamAsync(request, deployment, attempt, token, cancellationToken)),
                cancellationToken).ConfigureAwait(false);
        }
        catch (ModelCallFailedException ex)
        {
            await recorder.RecordAsync(request, context, ex.Attempts, ex.Fallbacks, start, time.GetUtcNow(), null, null, null, ex).ConfigureAwait(false);
            await GatewayResponses.WriteFailureAsync(http, ex).ConfigureAwait(false);
            return;
        }

        await using var stream = opened.Value;
        latency.Record(opened.ServedBy.Name, time.GetUtcNow() - opened.Attempts[^1].StartedAt);
        GatewayResponses.SetRouteHeaders(http, opened.ServedBy.Name, opened.ProviderAttempts, opened.Fallbacks);
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
                served.Usage = CountedUsage.For(request, accumulator.OutputText, served.Deployment);
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
        catch (Exception ex) when (failure is null)
        {
            failure = ex; // anything else that broke the stream is a failed step, never a clean one
            throw;
        }
        finally
        {
            await RecordStepAsync().ConfigureAwait(false);
        }
    }

    private static global::Keel.Routing.Deployment[] Deployments(IReadOnlyList<GatewayDeployment> plan)
    {
        var deployments = new global::Keel.Routing.Deployment[plan.Count];
        for (var i = 0; i < deployments.Length; i++)
        {
            deployments[i] = plan[i].Deployment;
        }

        return deployments;
    }

    private static IUpstream Upstream(IReadOnlyList<GatewayDeployment> plan, global::Keel.Routing.Deployment deployment)
    {
        foreach (var candidate in plan)
        {
            if (ReferenceEquals(candidate.Deployment, deployment))
            {
                return candidate.Upstream;
            }
        }

        throw new InvalidOperationException($"Deployment '{deployment.Name}' is not in the call's plan.");
    }


}
