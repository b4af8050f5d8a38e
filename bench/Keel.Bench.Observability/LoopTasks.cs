using Keel.Agents;
using Keel.Metering;
using Keel.Pricing;
using Keel.Resilience;
using Keel.Routing;
using Keel.Storage;
using Keel.Tasks;
using Microsoft.Extensions.AI;

namespace Keel.Bench.Observability;

/// <summary>
/// Long agent loops run through the real durable runtime (<see cref="ToolLoopAgent"/>, <c>TaskContext.ChatAsync</c> and
/// <c>ToolAsync</c>, one committed journal step each) against <see cref="ScriptedChatClient"/>: each model call's context
/// is the previous one plus the model's answer (a tool call) and the tool's result, ~200-500 bytes each.
/// </summary>
internal static class LoopTasks
{
    public const string Alias = "chat";
    public const string FailingTool = "submit_report";

    /// <summary>Runs one task of <paramref name="modelSteps"/> model calls; with <paramref name="failAtEnd"/> the last tool call fails instead of a final answer.</summary>
    public static async Task<AgentTask> RunAsync(IKeelStore store, string customerId, int modelSteps, bool failAtEnd, int seed, string agentName = "research-loop")
    {
        var deployment = new Deployment { Name = "scripted-mini", Model = ScriptedChatClient.Model, Provider = "scripted", Client = new ScriptedChatClient(), ContextWindow = 10_000_000 };
        var runtime = new AgentRuntime(store, new ResilientModelCaller(new ModelCatalog([new ModelRoute(Alias, [deployment])])), new UsageMeter(PriceTable.Default));
        var research = AgentProfiles.All.Single(a => a.Name == "research");
        var toolTurns = failAtEnd ? modelSteps : modelSteps - 1;
        var options = new ChatOptions
        {
            MaxOutputTokens = 1_024,
            Temperature = 0.2f,
            AdditionalProperties = new()
            {
                [ScriptedChatClient.ToolTurnsKey] = toolTurns,
                [ScriptedChatClient.SeedKey] = seed,
                [ScriptedChatClient.LastToolKey] = failAtEnd ? FailingTool : null,
            },
        };
        var agent = new ToolLoopAgent
        {
            Name = agentName,
            Model = Alias,
            Instructions = research.Instructions,
            Tools = [.. research.Tools.Select(t => Tool(t.Name, t.Description, seed)), .. failAtEnd ? [Failing()] : Array.Empty<AIFunction>()],
            MaxTurns = modelSteps,
            Options = options,
        };
        var input = Corpus.Text(new Random(seed), 200, 400);
        return await runtime.RunAsync(agent, input, customerId);
    }

    /// <summary>A tool that answers its query with 200-500 bytes of text, different for every query.</summary>
    private static AIFunction Tool(string name, string description, int seed) =>
        AIFunctionFactory.Create((string query) => Corpus.Text(new Random(unchecked((seed * 7_919) + (query.Length * 131) + (query[0] * 31) + query[^1])), 200, 500), name, description);

    private static AIFunction Failing() =>
        AIFunctionFactory.Create(string (string query) => throw new InvalidOperationException($"The report store refused the upload: 413 Payload Too Large ({query.Length} characters of query)."),
            FailingTool, "Submits the finished report.");
}
