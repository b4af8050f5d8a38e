using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Keel.Server.Routing;
using Keel.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Api;

/// <summary>How the <c>/v1</c> JSON APIs (memory, billing) read a request body and write an answer.</summary>
internal static class JsonBody
{
    /// <summary>The body as a JSON object; an empty body reads as <c>{}</c> when <paramref name="emptyIsObject"/>.</summary>
    /// <exception cref="GatewayException">Too large, not JSON, or not an object.</exception>
    public static async Task<JsonElement> ReadObjectAsync(HttpContext http, GatewayCatalog catalog, bool emptyIsObject = false)
    {
        var bytes = await RequestBody.ReadAsync(http, catalog.MaxBodyBytes, http.RequestAborted).ConfigureAwait(false);
        if (bytes.Length == 0 && emptyIsObject)
        {
            bytes = "{}"u8.ToArray();
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.Clone()
                : throw new GatewayException(OpenAiError.InvalidJson("the body must be a JSON object."));
        }
        catch (JsonException ex)
        {
            throw new GatewayException(OpenAiError.InvalidJson(ex.Message));
        }
    }

    /// <summary>Serialized up front, so the answer goes out with its length in one write.</summary>
    public static async Task WriteAsync<T>(HttpContext http, T value, JsonTypeInfo<T> type, int status = StatusCodes.Status200OK)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = bytes.Length;
        await http.Response.Body.WriteAsync(bytes, http.RequestAborted).ConfigureAwait(false);
    }
}
