using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Keel.MockUpstream;

/// <summary>Errors in OpenAI's shape: <c>{"error":{"message","type","param","code"}}</c>, with OpenAI's wording.</summary>
internal static class OpenAiError
{
    public static Task WriteAsync(HttpContext context, int status, string type, string message, string? code, string? param = null)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, MockJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", message);
            writer.WriteString("type", type);
            writer.WriteString("param", param);
            writer.WriteString("code", code);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return MockJson.RespondAsync(context, status, buffer);
    }

    /// <summary>The failure a scenario injects, worded as OpenAI words it for that status and code.</summary>
    public static Task WriteFaultAsync(HttpContext context, ScenarioSpec spec, int promptTokens)
    {
        var status = spec.FaultStatus;
        RetryAfter.Apply(context.Response, spec, status);
        return spec.Code switch
        {
            "context_length_exceeded" => ContextLengthExceededAsync(context, spec.ContextWindow ?? 8192, promptTokens, status),
            "insufficient_quota" => WriteAsync(context, status, "insufficient_quota",
                "You exceeded your current quota, please check your plan and billing details.", "insufficient_quota"),
            _ => status switch
            {
                400 => WriteAsync(context, status, "invalid_request_error", "Invalid request (injected by mock-upstream).", spec.Code ?? "invalid_request"),
                401 => WriteAsync(context, status, "invalid_request_error", "Incorrect API key provided.", spec.Code ?? "invalid_api_key"),
                403 => WriteAsync(context, status, "invalid_request_error", "You are not allowed to access this resource.", spec.Code ?? "permission_denied"),
                404 => WriteAsync(context, status, "invalid_request_error", "The model does not exist or you do not have access to it.", spec.Code ?? "model_not_found"),
                429 => WriteAsync(context, status, "requests", RateLimitMessage(spec), spec.Code ?? "rate_limit_exceeded"),
                500 => WriteAsync(context, status, "server_error", "The server had an error while processing your request. Sorry about that!", spec.Code ?? "server_error"),
                503 => WriteAsync(context, status, "server_error", "The engine is currently overloaded, please try again later.", spec.Code ?? "server_error"),
                >= 500 => WriteAsync(context, status, "server_error", $"Upstream error {status} (injected by mock-upstream).", spec.Code ?? "server_error"),
                _ => WriteAsync(context, status, "invalid_request_error", $"Request failed with status {status} (injected by mock-upstream).", spec.Code ?? "invalid_request"),
            },
        };
    }

    public static Task ContextLengthExceededAsync(HttpContext context, int window, int promptTokens, int status = 400) =>
        WriteAsync(
            context,
            status,
            "invalid_request_error",
            string.Create(
                CultureInfo.InvariantCulture,
                $"This model's maximum context length is {window} tokens. However, your messages resulted in {Math.Max(promptTokens, window + 1)} tokens. Please reduce the length of the messages."),
            "context_length_exceeded",
            "messages");

    private static string RateLimitMessage(ScenarioSpec spec) =>
        "Rate limit reached for requests (injected by mock-upstream)."
        + (spec.RetryAfter is { } seconds ? $" Please try again in {seconds}s." : " Please try again later.");
}
