using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keel.Server.Wire;

/// <summary>
/// A document tree where a property named twice keeps its last value, as JavaScript's <c>JSON.parse</c> does and as
/// the gateway reads a body. <see cref="JsonNode.Parse(ReadOnlySpan{byte}, JsonNodeOptions?, JsonDocumentOptions)"/>
/// would throw on first access to such an object instead.
/// </summary>
internal static class LastWinsJson
{
    public static JsonNode? Parse(byte[] json)
    {
        // Not disposed: the tree's values read from the document's buffers for as long as the tree lives.
        var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 128 });
        return Convert(document.RootElement);
    }

    private static JsonNode? Convert(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JsonObject();
                foreach (var property in element.EnumerateObject())
                {
                    obj[property.Name] = Convert(property.Value);
                }

                return obj;
            case JsonValueKind.Array:
                var array = new JsonArray();
                foreach (var item in element.EnumerateArray())
                {
                    array.Add(Convert(item));
                }

                return array;
            case JsonValueKind.Null:
                return null;
            default:
                return JsonValue.Create(element);
        }
    }
}
