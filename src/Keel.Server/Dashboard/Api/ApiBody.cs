using System.Text.Json;
using Keel.Server.Gateway;
using Keel.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Dashboard.Api;

/// <summary>A request's JSON object body, of a size a person's form could send.</summary>
internal static class ApiBody
{
    private const long MaxBytes = 1024 * 1024; // an edited message for a replay can be long; a megabyte is plenty

    /// <summary>The body's object; or null after answering 400 (not JSON, not an object) or 413.</summary>
    public static async Task<JsonElement?> ReadObjectAsync(HttpContext http)
    {
        try
        {
            var bytes = await RequestBody.ReadAsync(http, MaxBytes, http.RequestAborted).ConfigureAwait(false);
            using var document = JsonDocument.Parse(bytes.Length == 0 ? "{}"u8.ToArray() : bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                await GatewayResponses.WriteErrorAsync(http, OpenAiError.InvalidJson("the body must be a JSON object.")).ConfigureAwait(false);
                return null;
            }

            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            await GatewayResponses.WriteErrorAsync(http, OpenAiError.InvalidJson(ex.Message)).ConfigureAwait(false);
            return null;
        }
        catch (GatewayException ex)
        {
            await GatewayResponses.WriteErrorAsync(http, ex.Error).ConfigureAwait(false);
            return null;
        }
    }

    public static string? Text(JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
}
