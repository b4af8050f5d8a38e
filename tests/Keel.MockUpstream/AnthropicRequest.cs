using System.Text.Json;

namespace Keel.MockUpstream;

/// <summary>The parts of an Anthropic Messages API request the mock acts on.</summary>
internal sealed class AnthropicRequest
{
    public required string Model { get; init; }

    public bool Stream { get; init; }

    public int InputTokens { get; init; }

    public required AnswerRequest Answer { get; init; }

    /// <summary>Parses <paramref name="root"/>; on failure <paramref name="error"/> is Anthropic's message for it.</summary>
    public static bool TryParse(JsonElement root, int? words, out AnthropicRequest? request, out string error)
    {
        request = null;
        error = "";
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "The request body must be a JSON object.";
            return false;
        }

        if (JsonRead.String(root, "model") is not { } model)
        {
            error = "model: Field required";
            return false;
        }

        // Anthropic, unlike OpenAI, requires max_tokens; an adapter that forgets it should fail here as it would there.
        if (JsonRead.Int(root, "max_tokens") is not { } maxTokens)
        {
            error = "max_tokens: Field required";
            return false;
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            error = "messages: Field required";
            return false;
        }

        long chars = root.TryGetProperty("system", out var system) ? MessageText.Length(system) : 0;
        var lastUserText = "";
        var lastUserHasToolResult = false;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("content", out var content))
            {
                error = "messages: each message needs a role and content";
                return false;
            }

            chars += MessageText.Length(content);
            if (JsonRead.String(message, "role") == "user")
            {
                lastUserHasToolResult = HasToolResult(content);
                if (MessageText.Of(content) is { Length: > 0 } text)
                {
                    lastUserText = text;
                }
            }
        }

        request = new AnthropicRequest
        {
            Model = model,
            Stream = JsonRead.Bool(root, "stream") == true,
            InputTokens = TokenEstimate.FromChars(chars),
            Answer = new AnswerRequest
            {
                LastUserText = lastUserText,
                ToolsToCall = lastUserHasToolResult ? [] : ToolsToCall(root),
                MaxTokens = maxTokens,
                Words = words,
            },
        };
        return true;
    }

    private static bool HasToolResult(JsonElement content)
    {
        if (content.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var block in content.EnumerateArray())
        {
            if (block.ValueKind == JsonValueKind.Object && JsonRead.String(block, "type") == "tool_result")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Every tool unless tool_choice disables parallel use or names one; none for tool_choice none.</summary>
    private static ToolDefinition[] ToolsToCall(JsonElement root)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var defined = new List<ToolDefinition>();
        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind == JsonValueKind.Object && JsonRead.String(tool, "name") is { } name)
            {
                tool.TryGetProperty("input_schema", out var schema);
                defined.Add(new ToolDefinition(name, schema));
            }
        }

        if (defined.Count == 0)
        {
            return [];
        }

        if (root.TryGetProperty("tool_choice", out var choice) && choice.ValueKind == JsonValueKind.Object)
        {
            switch (JsonRead.String(choice, "type"))
            {
                case "none":
                    return [];
                case "tool":
                    var named = JsonRead.String(choice, "name");
                    return [.. defined.Where(t => t.Name == named).Take(1)];
            }

            if (JsonRead.Bool(choice, "disable_parallel_tool_use") == true)
            {
                return [defined[0]];
            }
        }

        return [.. defined];
    }
}
