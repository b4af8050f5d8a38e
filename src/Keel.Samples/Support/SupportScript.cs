using System.Text.Json;
using System.Text.RegularExpressions;
using Keel.Providers.Simulated;
using Microsoft.Extensions.AI;

namespace Keel.Samples.Support;

/// <summary>How a capable model would work a refund request: look up, check policy, draft, then reply.</summary>
public sealed partial class SupportScript : ISimulationScript
{
    public SimulatedTurn NextTurn(IReadOnlyList<ChatMessage> messages, IReadOnlyList<AITool> tools, Random random)
    {
        var request = messages.First(m => m.Role == ChatRole.User).Text;
        var orderId = OrderId().Match(request) is { Success: true } m ? m.Value : "ORD-00000";
        var reason = request.Contains("cracked", StringComparison.OrdinalIgnoreCase) || request.Contains("broken", StringComparison.OrdinalIgnoreCase) ? "damaged"
            : request.Contains("late", StringComparison.OrdinalIgnoreCase) ? "late"
            : request.Contains("wrong", StringComparison.OrdinalIgnoreCase) ? "wrong_item"
            : "changed_mind";
        var results = messages.SelectMany(m => m.Contents.OfType<FunctionResultContent>())
            .ToDictionary(r => r.CallId, r => r.Result?.ToString() ?? "");
        var calls = messages.SelectMany(m => m.Contents.OfType<FunctionCallContent>()).ToList();
        string? ResultOf(string tool) => calls.LastOrDefault(c => c.Name == tool) is { } c && results.TryGetValue(c.CallId, out var r) ? r : null;

        if (ResultOf("lookup_order") is not { } order)
        {
            return Call(random, "lookup_order", new() { ["orderId"] = orderId });
        }

        if (order.Contains("\"error\"", StringComparison.Ordinal))
        {
            return SimulatedTurn.Say($"I could not find order {orderId}. Could you check the number on your receipt?");
        }

        if (ResultOf("check_refund_policy") is not { } policy)
        {
            return Call(random, "check_refund_policy", new() { ["orderId"] = orderId, ["reason"] = reason });
        }

        using var verdict = JsonDocument.Parse(policy);
        if (!verdict.RootElement.GetProperty("eligible").GetBoolean())
        {
            return SimulatedTurn.Say($"I'm sorry: order {orderId} is outside our 30-day refund window, so I can't refund it. " + SimulatedText.Answer(random, "", 20));
        }

        var amount = verdict.RootElement.GetProperty("max_refund").GetDecimal();
        if (ResultOf("draft_refund") is null)
        {
            return Call(random, "draft_refund", new() { ["orderId"] = orderId, ["amount"] = amount });
        }

        if (ResultOf("draft_refund") is { } drafted && drafted.Contains("\"error\"", StringComparison.Ordinal))
        {
            return SimulatedTurn.Say($"I'm sorry: the refund for order {orderId} needs a supervisor's approval first. Could you send a photo of the item?");
        }

        return SimulatedTurn.Say($"I've drafted a refund of ${amount} for order {orderId} ({reason.Replace('_', ' ')}); it will reach your card in 3-5 business days. " +
            SimulatedText.Answer(random, "", 25 + random.Next(40)));
    }

    private static SimulatedTurn Call(Random random, string tool, Dictionary<string, object?> arguments) =>
        SimulatedTurn.Call(new FunctionCallContent(SimulatedText.CallId(random), tool, arguments));

    [GeneratedRegex(@"ORD-\d{5}")]
    private static partial Regex OrderId();
}
