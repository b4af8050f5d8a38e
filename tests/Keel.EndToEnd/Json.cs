using System.Text.Json.Nodes;
using Xunit;

namespace Keel.EndToEnd;

/// <summary>Reads fields of a parsed JSON document, failing the test (with the document) when one is missing.</summary>
internal static class Json
{
    public static JsonNode At(this JsonNode node, string path)
    {
        var current = node;
        foreach (var name in path.Split('.'))
        {
            current = current is JsonObject o && o.TryGetPropertyValue(name, out var next) && next is not null
                ? next
                : throw new Xunit.Sdk.XunitException($"no '{path}' in {node.ToJsonString()}");
        }

        return current;
    }

    public static string Str(this JsonNode node, string path) => node.At(path).GetValue<string>();

    public static long Long(this JsonNode node, string path) => node.At(path).GetValue<long>();

    public static decimal Decimal(this JsonNode node, string path) => node.At(path).GetValue<decimal>();

    public static bool Bool(this JsonNode node, string path) => node.At(path).GetValue<bool>();

    public static bool IsNull(this JsonNode node, string path)
    {
        var dot = path.LastIndexOf('.');
        var parent = dot < 0 ? node : node.At(path[..dot]);
        Assert.True(parent is JsonObject o && o.ContainsKey(path[(dot + 1)..]), $"no '{path}' in {node.ToJsonString()}");
        return parent[path[(dot + 1)..]] is null;
    }
}
