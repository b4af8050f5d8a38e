using System.Text.Json;

namespace Keel.MockUpstream;

/// <summary>The parts of an OpenAI chat completions request the mock acts on.</summary>
internal sealed class ChatRequest
{
    public required string Model { get; init; }

    public bool Stream { get; init; }

    public bool IncludeUsage { get; init; }

    public int PromptTokens { get; init; }

    public required AnswerRequest Answer { get; init; }

    /// <summary>Parses <paramref name="root"/>; on failure <paramref name="error"/> is OpenAI's message for it.</summary>
    public static bool TryParse(JsonElement root, int? words, out ChatRequest? request, out string error)
    {
        request = null;
        error = "";
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "The request body must be a JSON object.";
            return false;
        }

        if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String)
        {
            error = "You must provide a model parameter.";
            return false;
        }

        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            error = "Missing required parameter: 'messages'.";
            return false;
        }

        long chars = 0;
        string? lastRole = null;
        var lastUserText = "";
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object)
            {
                error = "Invalid type for 'messages': each message must be an object.";
                return false;
            }

            lastRole = JsonRead.String(message, "role");
            if (message.TryGetProperty("content", out var content))
            {
                chars += MessageText.Length(content);
                if (lastRole == "user" && MessageText.Of(content) is { Length: > 0 } text)
                {
                    lastUserText = text;
                }
            }
        }

        request = new ChatRequest
        {
            Model = model.GetString()!,
            Stream = JsonRead.Bool(root, "stream") == true,
            IncludeUsage = root.TryGetProperty("stream_options", out var options)
                && options.ValueKind == JsonValueKind.Object
                && JsonRead.Bool(options, "include_usage") == true,
            PromptTokens = TokenEstimate.FromChars(chars),
            Answer = new AnswerRequest
            {
                LastUserText = lastUserText,
                ToolsToCall = lastRole == "tool" ? [] : ToolsToCall(root),
                Json = JsonModeOf(root, out var schema),
                JsonSchema = schema,
                MaxTokens = JsonRead.Int(root, "max_completion_tokens") ?? JsonRead.Int(root, "max_tokens"),
                Words = words,
            },
        };
        return true;
    }

    /// <summary>Every offered tool when parallel calls are allowed, else the first; tool_choice narrows or forbids.</summary>
    private static ToolDefinition[] ToolsToCall(JsonElement root)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var defined = new List<ToolDefinition>();
        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind == JsonValueKind.Object
                && tool.TryGetProperty("function", out var function)
                && function.ValueKind == JsonValueKind.Object
                && function.TryGetProperty("name", out var name)
                && name.ValueKind == JsonValueKind.String)
            {
                function.TryGetProperty("parameters", out var parameters);
                defined.Add(new ToolDefinition(name.GetString()!, parameters));
            }
        }

        if (defined.Count == 0)
        {
            return [];
        }

        if (root.TryGetProperty("tool_choice", out var choice))
        {
            if (choice.ValueKind == JsonValueKind.String && choice.GetString() == "none")
            {
                return [];
            }

            if (choice.ValueKind == JsonValueKind.Object
                && choice.TryGetProperty("function", out var chosen)
                && chosen.ValueKind == JsonValueKind.Object
                && chosen.TryGetProperty("name", out var chosenName)
                && chosenName.ValueKind == JsonValueKind.String)
            {
                var named = chosenName.GetString();
                return [.. defined.Where(t => t.Name == named).Take(1)];
            }
        }

        var parallel = JsonRead.Bool(root, "parallel_tool_calls") != false;
        return parallel ? [.. defined] : [defined[0]];
    }

    private static JsonMode JsonModeOf(JsonElement root, out JsonElement schema)
    {
        schema = default;
        if (!root.TryGetProperty("response_format", out var format)
            || format.ValueKind != JsonValueKind.Object
            || !format.TryGetProperty("type", out var type)
            || type.ValueKind != JsonValueKind.String)
        {
            return JsonMode.None;
        }

        switch (type.GetString())
        {
            case "json_object":
                return JsonMode.Object;
            case "json_schema":
                if (format.TryGetProperty("json_schema", out var wrapper) && wrapper.ValueKind == JsonValueKind.Object)
                {
                    wrapper.TryGetProperty("schema", out schema);
                }

                return JsonMode.Schema;
            default:
                return JsonMode.None;
        }
    }
}
