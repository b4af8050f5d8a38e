using System.Globalization;
using Keel.Providers;
using Keel.Resilience;
using Keel.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Gateway;

/// <summary>How the gateway answers: route headers, OpenAI-shaped errors, and what a failed route becomes.</summary>
public static class GatewayResponses
{
    public static void SetRouteHeaders(HttpContext http, string deployment, int attempts, int fallbacks)
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
    public static async Task WriteFailureAsync(HttpContext http, ModelCallFailedException failure)
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
}
