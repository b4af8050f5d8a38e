using System.Text.Json;

namespace Keel.MockUpstream;

internal enum JsonMode
{
    None,
    Object,
    Schema,
}

/// <summary>What an answer depends on, extracted from either API's request.</summary>
internal sealed class AnswerRequest
{
    public string LastUserText { get; init; } = "";

    /// <summary>Tools to call; empty for a text answer (no tools, tool_choice none, or the last turn was a tool result).</summary>
    public IReadOnlyList<ToolDefinition> ToolsToCall { get; init; } = [];

    public JsonMode Json { get; init; }

    public JsonElement JsonSchema { get; init; }

    public int? MaxTokens { get; init; }

    public int? Words { get; init; }
}
