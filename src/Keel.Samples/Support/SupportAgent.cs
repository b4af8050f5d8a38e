using Keel.Agents;
using Keel.Providers.Simulated;
using Keel.Oversight;
using Microsoft.Extensions.AI;

namespace Keel.Samples.Support;

/// <summary>A customer-support agent that handles refund requests end to end.</summary>
public static class SupportAgent
{
    public const string Name = "support";

    /// <summary>The same agent, but refunds above the threshold wait for a real person's decision (<c>keel approve|reject</c>).</summary>
    public const string SupervisedName = "support-supervised";

    /// <param name="supervised">
    /// True parks large refunds until a person decides (a durable approval); false has a simulated supervisor decide
    /// at once. They are two agents with two names, because a task must resume with the code that started it.
    /// </param>
    public static ToolLoopAgent Create(string model, bool supervised = false) => new()
    {
        Name = supervised ? SupervisedName : Name,
        Model = model,
        Instructions = """
            You are the support agent of an online shop. For a refund request: look up the order, check the refund
            policy for the customer's reason, draft the refund the policy allows, then tell the customer what
            happens next in two or three friendly sentences. Never promise more than the policy allows.
            """,
        Tools = SupportTools.All,
        Options = new ChatOptions { AdditionalProperties = new() { [SimulatedChatClient.ScriptKey] = new SupportScript() } },
        Gate = supervised ? RefundApprover.AskSupervisorAsync : RefundApprover.GateAsync,
        JudgeOutcome = Judge,
    };

    /// <summary>
    /// A ticket is resolved when the customer got a refund (worth its amount) or a correct policy answer (worth
    /// nothing recovered); a refund a supervisor rejected leaves it unresolved.
    /// </summary>
    private static (TaskOutcome, decimal?) Judge(string answer, IReadOnlyList<ChatMessage> messages)
    {
        var results = messages.SelectMany(m => m.Contents.OfType<FunctionResultContent>()).Select(r => r.Result?.ToString() ?? "").ToList();
        if (results.Any(r => r.Contains("supervisor rejected", StringComparison.Ordinal)))
        {
            return (TaskOutcome.Failure, null);
        }

        var refund = results.Select(r => r.Contains("\"refund_id\"", StringComparison.Ordinal) ? r : null).LastOrDefault(r => r is not null);
        return refund is null
            ? (TaskOutcome.Success, 0m)
            : (TaskOutcome.Success, System.Text.Json.JsonDocument.Parse(refund).RootElement.GetProperty("amount").GetDecimal());
    }
}
