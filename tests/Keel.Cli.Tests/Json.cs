using System.Text.Json;
using Xunit;

namespace Keel.Cli.Tests;

/// <summary>Parsing of the CLI's JSON output.</summary>
internal static class Json
{
    /// <summary>
    /// Parses the whole of <paramref name="stdout"/> as exactly one JSON value: anything else on standard output
    /// (progress, a table, a second document) makes it throw.
    /// </summary>
    public static JsonElement ParseSingle(string stdout)
    {
        using var document = JsonDocument.Parse(stdout);
        return document.RootElement.Clone();
    }

    public static IReadOnlyList<JsonElement> ParseArray(string stdout)
    {
        var root = ParseSingle(stdout);
        Assert.Equal(JsonValueKind.Array, root.ValueKind);
        return [.. root.EnumerateArray()];
    }

    public static string Str(this JsonElement element, string property) =>
        element.GetProperty(property).GetString() ?? throw new InvalidOperationException($"{property} is null.");

    public static int Int(this JsonElement element, string property) => element.GetProperty(property).GetInt32();

    public static long Long(this JsonElement element, string property) => element.GetProperty(property).GetInt64();

    public static decimal Dec(this JsonElement element, string property) => element.GetProperty(property).GetDecimal();

    public static bool Has(this JsonElement element, string property) => element.TryGetProperty(property, out _);
}
