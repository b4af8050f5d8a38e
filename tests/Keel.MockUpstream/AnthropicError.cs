using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Keel.MockUpstream;

/// <summary>Errors in Anthropic's shape: <c>{"type":"error","error":{"type","message"}}</c>.</summary>
internal static class AnthropicError
{
    public static Task WriteAsync(HttpContext context, int status, string type, string message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, MockJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "error");
            writer.WriteStartObject("error");
            writer.WriteString("type", type);
            writer.WriteString("message", message);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return MockJson.RespondAsync(context, status, buffer);
    }

    /// <summary>The failure a scenario injects, with Anthropic's error type for the status.</summary>
    public static Task WriteFaultAsync(HttpContext context, ScenarioSpec spec, int inputTokens)
    {
        var status = spec.FaultStatus;
        RetryAfter.Apply(context.Response, spec, status);
        if (spec.Code == "context_length_exceeded")
        {
            return PromptTooLongAsync(context, spec.ContextWindow ?? 200_000, inputTokens);
        }

        var (type, message) = status switch
        {
            400 => ("invalid_request_error", "Invalid request (injected by mock-upstream)."),
            401 => ("authentication_error", "invalid x-api-key"),
            403 => ("permission_error", "Your API key does not have permission to use the specified resource."),
            404 => ("not_found_error", "The requested resource could not be found."),
            413 => ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
            429 => ("rate_limit_error", "Number of requests has exceeded your rate limit (injected by mock-upstream)."),
            529 or 503 => ("overloaded_error", "Overloaded"),
            >= 500 => ("api_error", "Internal server error"),
            _ => ("invalid_request_error", $"Request failed with status {status} (injected by mock-upstream)."),
        };
        return WriteAsync(context, status, type, message);
    }

    public static Task PromptTooLongAsync(HttpContext context, int window, int inputTokens) =>
        WriteAsync(
            context,
            400,
            "invalid_request_error",
            string.Create(CultureInfo.InvariantCulture, $"prompt is too long: {Math.Max(inputTokens, window + 1)} tokens > {window} maximum"));
}
