using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace Keel.Server.Wire;

/// <summary>
/// Turns an OpenAI chat request into Microsoft.Extensions.AI messages and options, for upstreams reached through
/// an <see cref="IChatClient"/> (simulated, Anthropic).
/// </summary>
public static class OpenAiChatReader
{
    public static List<ChatMessage> Messages(JsonArray messages)
    {
        var result = new List<ChatMessage>(messages.Count);
        foreach (var node in messages)
        {
            var message = (JsonObject)node!;
            var role = message["role"]!.GetValue<string>();
            var contents = new List<AIContent>();
            if (role == "tool")
            {
                contents.Add(new FunctionResultContent(Text(message["tool_call_id"]) ?? "", ContentText(message["content"])));
            }
            else
            {
                AddContent(contents, message["content"]);
                if (message["tool_calls"] is JsonArray calls)
                {
                    foreach (var call in calls.OfType<JsonObject>())
                    {
                        var function = call["function"] as JsonObject;
                        contents.Add(new FunctionCallContent(Text(call["id"]) ?? "", Text(function?["name"]) ?? "", Arguments(Text(function?["arguments"]))));
                    }
                }
            }

            result.Add(new ChatMessage(role == "developer" ? ChatRole.System : new ChatRole(role), contents) { AuthorName = Text(message["name"]) });
        }

        return result;
    }

    public static ChatOptions Options(JsonObject body, string upstreamModel)
    {
        var options = new ChatOptions
        {
            ModelId = upstreamModel,
            MaxOutputTokens = Int(body["max_completion_tokens"]) ?? Int(body["max_tokens"]),
            Temperature = Float(body["temperature"]),
            TopP = Float(body["top_p"]),
            FrequencyPenalty = Float(body["frequency_penalty"]),
            PresencePenalty = Float(body["presence_penalty"]),
            Seed = body["seed"] is JsonValue seed && seed.TryGetValue<long>(out var s) ? s : null,
            AllowMultipleToolCalls = body["parallel_tool_calls"] is JsonValue p && p.TryGetValue<bool>(out var parallel) ? parallel : null,
        };

        options.StopSequences = body["stop"] switch
        {
            JsonValue one when one.TryGetValue<string>(out var stop) => [stop],
            JsonArray many => [.. many.Select(Text).OfType<string>()],
            _ => null,
        };

        if (body["tools"] is JsonArray tools)
        {
            options.Tools = [.. tools.OfType<JsonObject>().Select(Tool)];
        }

        options.ToolMode = body["tool_choice"] switch
        {
            JsonValue v when v.TryGetValue<string>(out var choice) => choice switch
            {
                "none" => ChatToolMode.None,
                "required" => ChatToolMode.RequireAny,
                _ => ChatToolMode.Auto,
            },
            JsonObject named when Text(named["function"]?["name"]) is { } name => ChatToolMode.RequireSpecific(name),
            _ => null,
        };

        options.ResponseFormat = body["response_format"]?["type"] is JsonValue type && type.TryGetValue<string>(out var formatType) ? formatType switch
        {
            "json_object" => ChatResponseFormat.Json,
            "json_schema" when body["response_format"]!["json_schema"] is JsonObject schema => ChatResponseFormat.ForJsonSchema(
                NodeJson.ToElement(schema["schema"]), Text(schema["name"]), Text(schema["description"])),
            _ => ChatResponseFormat.Text,
        } : null;

        if (body["metadata"]?["keel_simulation_script"] is JsonValue script && script.TryGetValue<string>(out var scriptName))
        {
            (options.AdditionalProperties ??= [])[Providers.Simulated.SimulatedChatClient.ScriptKey] = scriptName;
        }

        return options;
    }

    private static AIFunctionDeclaration Tool(JsonObject tool)
    {
        var function = tool["function"] as JsonObject ?? throw new GatewayException(OpenAiError.Invalid("tools[].function is required.", "tools"));
        var name = Text(function["name"]) ?? throw new GatewayException(OpenAiError.Invalid("tools[].function.name is required.", "tools"));
        var schema = function["parameters"] is JsonObject parameters
            ? NodeJson.ToElement(parameters)
            : NodeJson.ToElement(new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() });
        return AIFunctionFactory.CreateDeclaration(name, Text(function["description"]), schema);
    }

    private static void AddContent(List<AIContent> contents, JsonNode? content)
    {
        switch (content)
        {
            case JsonValue text when text.TryGetValue<string>(out var s):
                contents.Add(new TextContent(s));
                break;
            case JsonArray parts:
                foreach (var part in parts.OfType<JsonObject>())
                {
                    switch (Text(part["type"]))
                    {
                        case "text":
                            contents.Add(new TextContent(Text(part["text"])));
                            break;
                        case "image_url" when Text(part["image_url"]?["url"]) is { } url:
                            contents.Add(Image(url));
                            break;
                    }
                }

                break;
        }
    }

    private static AIContent Image(string url)
    {
        try
        {
            return url.StartsWith("data:", StringComparison.Ordinal) ? new DataContent(url) : new UriContent(url, "image/*");
        }
        catch (Exception ex) when (ex is FormatException or UriFormatException or ArgumentException)
        {
            throw new GatewayException(OpenAiError.Invalid($"image_url.url is not a valid URL or data URI: {ex.Message}", "messages"));
        }
    }

    private static string ContentText(JsonNode? content) => content switch
    {
        JsonValue text when text.TryGetValue<string>(out var s) => s,
        JsonArray parts => string.Concat(parts.Select(p => Text(p?["text"]))),
        _ => "",
    };

    private static Dictionary<string, object?> Arguments(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
                : [];
        }
        catch (JsonException)
        {
            throw new GatewayException(OpenAiError.Invalid("tool_calls[].function.arguments must be a JSON object encoded as a string.", "messages"));
        }
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var s) ? s : null;

    private static int? Int(JsonNode? node) => node is JsonValue value && value.TryGetValue<int>(out var i) ? i : null;

    private static float? Float(JsonNode? node) => node is JsonValue value && value.TryGetValue<double>(out var d) ? (float)d : null;
}
