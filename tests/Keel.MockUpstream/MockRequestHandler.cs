using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Keel.MockUpstream;

/// <summary>
/// The one terminal middleware: splits off the <c>/s/{spec}/</c> prefix, records the request, applies the
/// scenario (latency, hang, auth, injected failure) and dispatches by plain string comparison, no routing.
/// </summary>
internal sealed class MockRequestHandler
{
    private const string ScenarioPrefix = "/s/";
    private const string MockPrefix = "/_mock/";
    private const string ChatCompletionsPath = "/v1/chat/completions";
    private const string MessagesPath = "/v1/messages";
    private const string ModelsPath = "/v1/models";

    private readonly ScenarioRegistry _scenarios;
    private readonly RequestLog _log;
    private readonly TimeProvider _time;
    private readonly CancellationToken _stopping;

    public MockRequestHandler(ScenarioRegistry scenarios, RequestLog log, TimeProvider time, CancellationToken stopping)
    {
        _scenarios = scenarios;
        _log = log;
        _time = time;
        _stopping = stopping;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (path.StartsWith(MockPrefix, StringComparison.Ordinal))
        {
            await Introspection.HandleAsync(context, path, _log, _scenarios);
            return;
        }

        var specText = "";
        var endpoint = path;
        if (path.StartsWith(ScenarioPrefix, StringComparison.Ordinal))
        {
            var end = path.IndexOf('/', ScenarioPrefix.Length);
            if (end < 0)
            {
                await NotFoundAsync(context, path);
                return;
            }

            specText = path[ScenarioPrefix.Length..end];
            endpoint = path[end..];
        }

        var scenario = _scenarios.Get(specText);
        using var body = await RequestBody.ReadAsync(context.Request, context.RequestAborted);
        var number = scenario.Next();
        if (_log.Enabled)
        {
            _log.Add(Record(context.Request, specText, endpoint, body));
        }

        var anthropic = endpoint == MessagesPath;
        if (scenario.Error is { } specError)
        {
            await (anthropic
                ? AnthropicError.WriteAsync(context, 400, "invalid_request_error", specError)
                : OpenAiError.WriteAsync(context, 400, "invalid_request_error", specError, "mock_spec_error"));
            return;
        }

        var spec = scenario.Spec;

        // Only scenarios that wait pay for a linked token; the plain path uses the request's own.
        using var waits = spec.LatencyMs > 0 || spec.Hang || spec.ChunkDelayMs > 0
            ? CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping)
            : null;
        var cancellationToken = waits?.Token ?? context.RequestAborted;
        try
        {
            if (spec.LatencyMs > 0)
            {
                await Task.Delay(spec.LatencyMs, cancellationToken);
            }

            if (spec.Hang)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            await DispatchAsync(context, endpoint, spec, number, body, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client gave up, or the server is stopping: nobody is left to answer.
            context.Abort();
        }
    }

    private async Task DispatchAsync(HttpContext context, string endpoint, ScenarioSpec spec, long number, RequestBody body, CancellationToken cancellationToken)
    {
        var method = context.Request.Method;
        switch (endpoint)
        {
            case ChatCompletionsPath when HttpMethods.IsPost(method):
                if (await OpenAiRefusedAsync(context, spec, number, body))
                {
                    return;
                }

                await ChatCompletionsAsync(context, spec, body, cancellationToken);
                return;
            case ModelsPath when HttpMethods.IsGet(method):
                if (await OpenAiRefusedAsync(context, spec, number, body))
                {
                    return;
                }

                await ModelList.WriteAsync(context);
                return;
            case MessagesPath when HttpMethods.IsPost(method):
                if (await AnthropicRefusedAsync(context, spec, number, body))
                {
                    return;
                }

                await MessagesAsync(context, spec, body, cancellationToken);
                return;
            case ChatCompletionsPath or ModelsPath or MessagesPath:
                await OpenAiError.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "invalid_request_error",
                    $"Method {method} is not allowed on {endpoint}.", "method_not_allowed");
                return;
            default:
                await NotFoundAsync(context, endpoint);
                return;
        }
    }

    /// <summary>Answers instead of the endpoint when the key is wrong or the scenario fails this request.</summary>
    private static async ValueTask<bool> OpenAiRefusedAsync(HttpContext context, ScenarioSpec spec, long number, RequestBody body)
    {
        if (spec.Key is { } key && context.Request.Headers.Authorization.ToString() != "Bearer " + key)
        {
            await OpenAiError.WriteAsync(context, StatusCodes.Status401Unauthorized, "invalid_request_error",
                "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_api_key");
            return true;
        }

        if (spec.Fails(number))
        {
            await OpenAiError.WriteFaultAsync(context, spec, TokenEstimate.FromChars(body.Length));
            return true;
        }

        return false;
    }

    /// <summary>Anthropic checks its headers before anything else, as the real API does.</summary>
    private static async ValueTask<bool> AnthropicRefusedAsync(HttpContext context, ScenarioSpec spec, long number, RequestBody body)
    {
        var headers = context.Request.Headers;
        // Anthropic's official SDK sends the key as a bearer token; older clients and curl examples use x-api-key.
        var bearer = headers.Authorization.ToString();
        var apiKey = headers["x-api-key"].ToString() is { Length: > 0 } xApiKey ? xApiKey
            : bearer.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? bearer[7..] : "";
        if (apiKey.Length == 0)
        {
            await AnthropicError.WriteAsync(context, StatusCodes.Status401Unauthorized, "authentication_error", "an x-api-key or Authorization: Bearer header is required");
            return true;
        }

        if (spec.Key is { } key && apiKey != key)
        {
            await AnthropicError.WriteAsync(context, StatusCodes.Status401Unauthorized, "authentication_error", "invalid x-api-key");
            return true;
        }

        if (headers["anthropic-version"].ToString().Length == 0)
        {
            await AnthropicError.WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_request_error", "anthropic-version: header is required");
            return true;
        }

        if (spec.Fails(number))
        {
            await AnthropicError.WriteFaultAsync(context, spec, TokenEstimate.FromChars(body.Length));
            return true;
        }

        return false;
    }

    private async Task ChatCompletionsAsync(HttpContext context, ScenarioSpec spec, RequestBody body, CancellationToken cancellationToken)
    {
        if (Parse(body) is not { } document)
        {
            await OpenAiError.WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_request_error",
                "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)", null);
            return;
        }

        using (document)
        {
            if (!ChatRequest.TryParse(document.RootElement, spec.Words, out var request, out var error))
            {
                await OpenAiError.WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_request_error", error, null);
                return;
            }

            if (spec.ContextWindow is { } window && request!.PromptTokens > window)
            {
                await OpenAiError.ContextLengthExceededAsync(context, window, request.PromptTokens);
                return;
            }

            var answer = MockAnswer.For(request!.Answer, "call_");
            var created = _time.GetUtcNow().ToUnixTimeSeconds();
            if (request.Stream)
            {
                await new ChatCompletionStream(context, request, answer, spec, created, cancellationToken).WriteAsync();
            }
            else
            {
                await ChatCompletionResponse.WriteAsync(context, request, answer, spec, created);
            }
        }
    }

    private static async Task MessagesAsync(HttpContext context, ScenarioSpec spec, RequestBody body, CancellationToken cancellationToken)
    {
        if (Parse(body) is not { } document)
        {
            await AnthropicError.WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_request_error", "There was an issue with the request body: invalid JSON.");
            return;
        }

        using (document)
        {
            if (!AnthropicRequest.TryParse(document.RootElement, spec.Words, out var request, out var error))
            {
                await AnthropicError.WriteAsync(context, StatusCodes.Status400BadRequest, "invalid_request_error", error);
                return;
            }

            if (spec.ContextWindow is { } window && request!.InputTokens > window)
            {
                await AnthropicError.PromptTooLongAsync(context, window, request.InputTokens);
                return;
            }

            var answer = MockAnswer.For(request!.Answer, "toolu_");
            if (request.Stream)
            {
                await new AnthropicStream(context, request, answer, spec, cancellationToken).WriteAsync();
            }
            else
            {
                await AnthropicResponse.WriteAsync(context, request, answer, spec);
            }
        }
    }

    private static JsonDocument? Parse(RequestBody body)
    {
        try
        {
            return JsonDocument.Parse(body.Memory);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Task NotFoundAsync(HttpContext context, string path) =>
        OpenAiError.WriteAsync(context, StatusCodes.Status404NotFound, "invalid_request_error",
            $"Unknown request URL: {context.Request.Method} {path}. mock-upstream serves /v1/chat/completions, /v1/models and /v1/messages, optionally under /s/{{spec}}/.",
            "unknown_url");

    private RecordedRequest Record(HttpRequest request, string spec, string endpoint, RequestBody body)
    {
        var headers = new Dictionary<string, string>(request.Headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in request.Headers)
        {
            headers[name] = value.ToString();
        }

        return new RecordedRequest(spec, request.Method, endpoint, headers, body.Text(), _time.GetUtcNow());
    }
}
