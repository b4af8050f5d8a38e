using Microsoft.Extensions.AI;

namespace Keel.Providers.Simulated;

/// <summary>Decides what a simulated model answers: tool calls or text. Scripts are deterministic given the random source.</summary>
public interface ISimulationScript
{
    SimulatedTurn NextTurn(IReadOnlyList<ChatMessage> messages, IReadOnlyList<AITool> tools, Random random);
}

/// <summary>A simulated answer: the tool calls to make, or (when there are none) the text to say.</summary>
public sealed record SimulatedTurn(string Text, IReadOnlyList<FunctionCallContent> ToolCalls)
{
    public static SimulatedTurn Say(string text) => new(text, []);

    public static SimulatedTurn Call(params FunctionCallContent[] calls) => new("", calls);
}
