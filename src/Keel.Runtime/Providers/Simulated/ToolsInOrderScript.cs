using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Keel.Providers.Simulated;

/// <summary>
/// The default behaviour for requests that name no script: call each offered tool once, in order, with
/// arguments made from its schema and the user's words; then answer in text.
/// </summary>
public sealed class ToolsInOrderScript : ISimulationScript
{
    public static ToolsInOrderScript Instance { get; } = new();

    public SimulatedTurn NextTurn(IReadOnlyList<ChatMessage> messages, IReadOnlyList<AITool> tools, Random random)
    {
        var called = messages.SelectMany(m => m.Contents.OfType<FunctionCallContent>()).Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var next = tools.OfType<AIFunctionDeclaration>().FirstOrDefault(t => !called.Contains(t.Name));
        var userText = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        if (next is null)
        {
            return SimulatedTurn.Say(SimulatedText.Answer(random, userText, 40 + random.Next(60)));
        }

        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (next.JsonSchema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                var type = property.Value.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : "string";
                arguments[property.Name] = type switch
                {
                    "integer" => random.Next(1, 100),
                    "number" => Math.Round(random.NextDouble() * 100, 2),
                    "boolean" => random.Next(2) == 1,
                    _ => userText.Length > 0 ? userText[..Math.Min(userText.Length, 80)] : property.Name,
                };
            }
        }

        return SimulatedTurn.Call(new FunctionCallContent(SimulatedText.CallId(random), next.Name, arguments));
    }
}
