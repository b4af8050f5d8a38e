using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Keel.MockUpstream;

/// <summary><c>GET /v1/models</c> in OpenAI's list shape. The mock answers any model name; these are for discovery.</summary>
internal static class ModelList
{
    private static readonly string[] Models = ["mock-model", "gpt-4o-mini", "gpt-4o", "claude-sonnet-4-5"];

    /// <summary>Serialised once: the answer never changes.</summary>
    private static readonly byte[] Body = Serialize();

    public static Task WriteAsync(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = Body.Length;
        return response.Body.WriteAsync(Body, context.RequestAborted).AsTask();
    }

    private static byte[] Serialize()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, MockJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            foreach (var model in Models)
            {
                writer.WriteStartObject();
                writer.WriteString("id", model);
                writer.WriteString("object", "model");
                writer.WriteNumber("created", 1_700_000_000);
                writer.WriteString("owned_by", "keel-mock-upstream");
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
