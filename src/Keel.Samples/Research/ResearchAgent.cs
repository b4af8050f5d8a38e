using Keel.Agents;
using Keel.Providers.Simulated;
using Keel.Oversight;
using Microsoft.Extensions.AI;

namespace Keel.Samples.Research;

/// <summary>A research agent: searches, reads the sources, and writes a cited summary.</summary>
public static class ResearchAgent
{
    public const string Name = "research";

    public static ToolLoopAgent Create(string model) => new()
    {
        Name = Name,
        Model = model,
        Instructions = """
            You are a research assistant. Search the web for the question, read every promising result, then
            write a balanced summary of what the sources say, citing each by its url.
            """,
        Tools = ResearchTools.All,
        Options = new ChatOptions { AdditionalProperties = new() { [SimulatedChatClient.ScriptKey] = new ResearchScript() } },
        JudgeOutcome = (answer, _) => (answer.StartsWith("Summary of", StringComparison.Ordinal) ? TaskOutcome.Success : TaskOutcome.Failure, null),
    };
}
