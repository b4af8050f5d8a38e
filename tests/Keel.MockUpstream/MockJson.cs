using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Keel.MockUpstream;

/// <summary>
/// Writer options for every response: relaxed escaping writes quotes and non-ASCII text as the real APIs do
/// (the default encoder turns " into \u0022), which also keeps bodies short. Nothing here is rendered as HTML.
/// </summary>
internal static class MockJson
{
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Sends a written JSON body, whole, with its status and length.</summary>
    public static Task RespondAsync(HttpContext context, int status, ArrayBufferWriter<byte> buffer)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        response.ContentLength = buffer.WrittenCount;
        return response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).AsTask();
    }
}
