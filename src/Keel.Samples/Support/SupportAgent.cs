using Keel.Agents;
using Keel.Providers.Simulated;
using Microsoft.Extensions.AI;

namespace Keel.Samples.Support;

/// <summary>A customer-support agent that handles refund requests end to end.</summary>
public static class SupportAgent
{
    public const string Name = "support";

    public static ToolLoopAgent Create(string model) => new()
    {
        Name = Name,
        Model = model,
        Instructions = """
            You are the support agent of an online shop. For a refund request: look up the order, check the refund
            policy for the customer's reason, draft the refund the policy allows, then tell the customer what
            happens next in two or three friendly sentences. Never promise more than the policy allows.
            """,
        Tools = SupportTools.All,
        Options = new ChatOptions { AdditionalProperties = new() { [SimulatedChatClient.ScriptKey] = new SupportScript() } },
    };
}
