namespace Keel.MockUpstream;

internal sealed record ToolCallAnswer(string Id, string Name, string Arguments);

/// <summary>
/// The deterministic answer to a request, in API-neutral form. A text answer is a list of words: one word is
/// one completion token, so max_tokens truncates exactly and stream deltas add up to the non-stream text.
/// </summary>
internal sealed class MockAnswer
{
    private const string Prefix = "Mock answer to: ";
    private const int QuotedChars = 40;
    private static readonly string[] Filler = ["lorem", "ipsum", "dolor", "sit", "amet"];

    private MockAnswer(string[] words, IReadOnlyList<ToolCallAnswer> toolCalls, bool truncated, int completionTokens)
    {
        Words = words;
        ToolCalls = toolCalls;
        Truncated = truncated;
        CompletionTokens = completionTokens;
        Text = string.Join(' ', words);
    }

    public IReadOnlyList<string> Words { get; }

    /// <summary>The words joined by single spaces; "" for a tool-call answer.</summary>
    public string Text { get; }

    public IReadOnlyList<ToolCallAnswer> ToolCalls { get; }

    public bool IsToolCall => ToolCalls.Count > 0;

    /// <summary>Cut short by max_tokens.</summary>
    public bool Truncated { get; }

    public int CompletionTokens { get; }

    public static MockAnswer For(AnswerRequest request, string toolIdPrefix)
    {
        if (request.ToolsToCall.Count > 0)
        {
            var calls = new ToolCallAnswer[request.ToolsToCall.Count];
            long chars = 0;
            for (var i = 0; i < calls.Length; i++)
            {
                var tool = request.ToolsToCall[i];
                calls[i] = new ToolCallAnswer(MockIds.Next(toolIdPrefix), tool.Name, SchemaSample.ObjectFor(tool.Schema));
                chars += tool.Name.Length + calls[i].Arguments.Length;
            }

            return new MockAnswer([], calls, truncated: false, TokenEstimate.FromChars(chars));
        }

        var words = Sentence(request).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (request.Words is { } wanted && request.Json == JsonMode.None)
        {
            words = [.. words.Concat(Enumerable.Range(0, Math.Max(0, wanted - words.Length)).Select(i => Filler[i % Filler.Length])).Take(wanted)];
        }

        var truncated = request.MaxTokens is { } max and > 0 && words.Length > max;
        if (truncated)
        {
            words = words[..request.MaxTokens!.Value];
        }

        return new MockAnswer(words, [], truncated, words.Length);
    }

    private static string Sentence(AnswerRequest request)
    {
        var text = Prefix + Quote(request.LastUserText);
        return request.Json switch
        {
            JsonMode.Schema when SchemaSample.HasProperties(request.JsonSchema) => SchemaSample.ObjectFor(request.JsonSchema),
            JsonMode.Object or JsonMode.Schema => SchemaSample.AnswerObject(text),
            _ => text,
        };
    }

    /// <summary>The first 40 chars, never splitting a surrogate pair (that would not encode as UTF-8).</summary>
    private static string Quote(string text)
    {
        if (text.Length <= QuotedChars)
        {
            return text;
        }

        var length = char.IsHighSurrogate(text[QuotedChars - 1]) ? QuotedChars - 1 : QuotedChars;
        return text[..length];
    }
}
