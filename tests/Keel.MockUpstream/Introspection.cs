using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Keel.MockUpstream;

/// <summary>
/// <c>GET /_mock/requests[?spec=S]</c> (what was received, oldest first) and <c>POST /_mock/reset</c> (forget
/// requests and counters), for tests that run the mock as a separate process.
/// </summary>
internal static class Introspection
{
    public static Task HandleAsync(HttpContext context, string path, RequestLog log, ScenarioRegistry scenarios)
    {
        var method = context.Request.Method;
        switch (path)
        {
            case "/_mock/requests" when HttpMethods.IsGet(method):
                var spec = context.Request.Query["spec"];
                var requests = log.Snapshot();
                return WriteRequestsAsync(context, spec.Count == 0 ? requests : [.. requests.Where(r => r.Spec == spec.ToString())]);
            case "/_mock/reset" when HttpMethods.IsPost(method):
                log.Clear();
                scenarios.Reset();
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return Task.CompletedTask;
            default:
                return OpenAiError.WriteAsync(context, StatusCodes.Status404NotFound, "invalid_request_error",
                    $"mock-upstream has no {method} {path}; try GET /_mock/requests or POST /_mock/reset.", "unknown_url");
        }
    }

    private static Task WriteRequestsAsync(HttpContext context, RecordedRequest[] requests)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, MockJson.WriterOptions))
        {
            writer.WriteStartArray();
            foreach (var request in requests)
            {
                writer.WriteStartObject();
                writer.WriteString("spec", request.Spec);
                writer.WriteString("method", request.Method);
                writer.WriteString("path", request.Path);
                writer.WriteStartObject("headers");
                foreach (var (name, value) in request.Headers)
                {
                    writer.WriteString(name, value);
                }

                writer.WriteEndObject();
                writer.WriteString("body", request.Body);
                writer.WriteString("receivedAt", request.ReceivedAt);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return MockJson.RespondAsync(context, StatusCodes.Status200OK, buffer);
    }
}
