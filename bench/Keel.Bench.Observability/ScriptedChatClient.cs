using Microsoft.Extensions.AI;

namespace Keel.Bench.Observability;

/// <summary>
/// A model without latency that runs an agent loop of a chosen length: it calls one of the request's tools at each
/// of the first <see cref="ToolTurnsKey"/> turns (a short thought and the call: ~200-500 bytes as stored), then
/// answers in text. Usage is reported as a quarter of the characters sent and received, as a tokenizer roughly would.
/// </summary>
internal sealed class ScriptedChatClient : IChatClient
{
    /// <summary><see cref="ChatOptions.AdditionalProperties"/> key: how many turns call a tool before the answer.</summary>
    public const string ToolTurnsKey = "bench.tool_turns";

    /// <summary>Key: the tool the last tool turn calls (one that fails, say); the other turns pick among the rest.</summary>
    public const string LastToolKey = "bench.last_tool";

    /// <summary>Key: the seed of the texts, so that every task says something different and each run the same.</summary>
    public const string SeedKey = "bench.seed";

    public const string Model = "gpt-4o-mini";

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var sent = messages.ToList();
        var turn = sent.Count(m => m.Role == ChatRole.Assistant) + 1;
        var properties = options?.AdditionalProperties;
        var toolTurns = properties?.TryGetValue(ToolTurnsKey, out var t) == true ? Convert.ToInt32(t, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var seed = properties?.TryGetValue(SeedKey, out var s) == true ? Convert.ToInt32(s, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var lastTool = properties?.TryGetValue(LastToolKey, out var l) == true ? l as string : null;
        var rng = new Random(unchecked((seed * 100_003) + turn)); // not HashCode: its seed changes from process to process

        ChatMessage answer;
        if (turn <= toolTurns && options?.Tools is { Count: > 0 } tools)
        {
            var candidates = tools.Where(tool => tool.Name != lastTool).ToList();
            var name = turn == toolTurns && lastTool is not null ? lastTool : candidates[rng.Next(candidates.Count)].Name;
            var arguments = new Dictionary<string, object?> { ["query"] = Corpus.Text(rng, 20, 90) };
            answer = new ChatMessage(ChatRole.Assistant, [new TextContent(Corpus.Text(rng, 60, 260)), new FunctionCallContent($"call_{seed}_{turn}", name, arguments)]);
        }
        else
        {
            answer = new ChatMessage(ChatRole.Assistant, Corpus.Text(rng, 200, 500));
        }

        var sentChars = sent.Sum(m => m.Text.Length + m.Contents.OfType<FunctionResultContent>().Sum(r => r.Result?.ToString()?.Length ?? 0));
        var response = new ChatResponse(answer)
        {
            ResponseId = $"resp_{seed}_{turn}",
            ModelId = Model,
            FinishReason = answer.Contents.OfType<FunctionCallContent>().Any() ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 400 + sentChars / 4, OutputTokenCount = 20 + answer.Text.Length / 4 },
        };
        return Task.FromResult(response);
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The bench's agents do not stream.");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
