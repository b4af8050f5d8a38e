using System.Text.Encodings.Web;
using System.Text.Json;

namespace Keel.Server.Wire;

internal static class WireJson
{
    /// <summary>
    /// Escapes only what JSON requires, as OpenAI's own API does: non-ASCII text and quotes inside strings stay as
    /// written instead of becoming \uXXXX sequences. Safe here: these bytes are JSON bodies, never HTML.
    /// </summary>
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The same escaping, for <see cref="System.Text.Json.Nodes.JsonNode.ToJsonString"/>.</summary>
    public static readonly JsonSerializerOptions SerializerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
