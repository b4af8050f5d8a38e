using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Keel.Context;

/// <summary>JSON text for tool arguments and results, as the OpenAI wire format carries them.</summary>
public static class Json
{
    public static string Arguments(IDictionary<string, object?>? arguments) =>
        arguments is null ? "{}" : JsonSerializer.Serialize(arguments, AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));

    public static string Result(object? result) => result switch
    {
        null => "null",
        string s => s,
        JsonElement e when e.ValueKind == JsonValueKind.String => e.GetString() ?? "",
        // By its runtime type, as Serialize<object> would, through a type info the native build can resolve.
        _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(result.GetType())),
    };

    public static Dictionary<string, object?> ParseArguments(string json)
    {
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "{}" : json);
        return document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone());
    }
}
