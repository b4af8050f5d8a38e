using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Keel.Server.Wire;

/// <summary>JSON DOM to <see cref="JsonElement"/>, source-generated so the native (trimmed) build of <c>keel</c> does it too.</summary>
[JsonSerializable(typeof(JsonNode))]
internal sealed partial class NodeJson : JsonSerializerContext
{
    public static JsonElement ToElement(JsonNode? node) => JsonSerializer.SerializeToElement(node, Default.JsonNode);
}
