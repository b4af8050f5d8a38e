using System.Text.Json.Nodes;

namespace Keel.Browser.Tests;

internal static class JsonExtensions
{
    public static long Count(this JsonNode node, string property) => node[property]?.GetValue<long>() ?? 0;

    public static string Text(this JsonNode node, string property) => node[property]?.GetValue<string>() ?? "";
}
