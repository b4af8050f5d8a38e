using System.Text.Json;
using Keel.Providers.Simulated;
using Microsoft.Extensions.AI;

namespace Keel.Samples.Research;

/// <summary>How a capable model would research: search once, ask for every hit in one turn (parallel tool calls), then summarise.</summary>
public sealed class ResearchScript : ISimulationScript
{
    public SimulatedTurn NextTurn(IReadOnlyList<ChatMessage> messages, IReadOnlyList<AITool> tools, Random random)
    {
        var topic = messages.First(m => m.Role == ChatRole.User).Text;
        var calls = messages.SelectMany(m => m.Contents.OfType<FunctionCallContent>()).ToList();
        var search = calls.FirstOrDefault(c => c.Name == "web_search");
        if (search is null)
        {
            return SimulatedTurn.Call(new FunctionCallContent(SimulatedText.CallId(random), "web_search", new Dictionary<string, object?> { ["query"] = topic }));
        }

        if (calls.All(c => c.Name != "read_document"))
        {
            var hits = messages.SelectMany(m => m.Contents.OfType<FunctionResultContent>()).First(r => r.CallId == search.CallId).Result?.ToString() ?? "[]";
            using var document = JsonDocument.Parse(hits);
            var reads = document.RootElement.EnumerateArray()
                .Select(hit => new FunctionCallContent(SimulatedText.CallId(random), "read_document", new Dictionary<string, object?> { ["url"] = hit.GetProperty("url").GetString() }))
                .ToArray();
            return SimulatedTurn.Call(reads);
        }

        return SimulatedTurn.Say($"Summary of three sources on {topic}: " + SimulatedText.Answer(random, "", 90 + random.Next(60)));
    }
}
