using System.Text;
using System.Text.Json;
using Keel.Server.Wire;
using Keel.Tokens;
using Microsoft.Extensions.AI;

namespace Keel.Server.Gateway;

/// <summary>Usage Keel counts itself when an upstream reports none, so that no answer is ever recorded as free.</summary>
internal static class CountedUsage
{
    // Loaded on first use: a gateway whose upstreams report usage never pays for the tokenizer's memory.
    private static TokenCounter Tokens => TokenCounter.O200k;

    /// <summary>
    /// Usage by counting, for an upstream that reported none: the prompt, and the output as o200k counts it but never
    /// more than the call allowed. The provider bills at most that; its tokenizer may count fewer tokens than o200k,
    /// and an uncapped count could settle above the reservation and overspend a budget.
    /// </summary>
    public static UsageDetails For(ChatCompletionRequest request, string output, global::Keel.Routing.Deployment deployment)
    {
        var prompt = request.PromptTokens(Tokens);
        var counted = Math.Min(Tokens.Count(output), (long)(request.MaxTokens ?? deployment.MaxOutputTokens) * request.Choices);
        return new UsageDetails { InputTokenCount = prompt, OutputTokenCount = counted, TotalTokenCount = prompt + counted };
    }

    /// <summary>What an OpenAI-shaped assistant message generated: tool names and arguments, then its text.</summary>
    public static string OutputText(string message)
    {
        using var document = JsonDocument.Parse(message);
        var root = document.RootElement;
        var text = new StringBuilder();
        if (root.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                if (call.TryGetProperty("function", out var function))
                {
                    text.Append(function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null)
                        .Append(function.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.String ? arguments.GetString() : null);
                }
            }
        }

        return text.Append(root.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String ? content.GetString() : null).ToString();
    }
}
