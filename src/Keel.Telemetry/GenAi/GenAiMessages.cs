using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keel.Telemetry.GenAi;

/// <summary>
/// Translates chat messages between Keel's stored form, OpenAI's wire shape (<c>{"role","content","tool_calls",
/// "tool_call_id"}</c>, one JSON text per message, preceded in a context snapshot by the request's parameters), and
/// the gen_ai semantic conventions' form (<c>{"role","parts":[{"type":"text"|"tool_call"|"tool_call_response",...}]}</c>).
/// Unknown shapes pass through as text rather than fail: content is for people reading a trace.
/// </summary>
public static class GenAiMessages
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The gen_ai content attributes of a model call, from the parts of its context snapshot.</summary>
    public static IEnumerable<KeyValuePair<string, string>> FromSnapshot(IEnumerable<string> snapshotParts)
    {
        var system = new JsonArray();
        var input = new JsonArray();
        JsonArray? tools = null;
        foreach (var part in snapshotParts)
        {
            if (TryParseObject(part) is not { } message)
            {
                continue;
            }

            if (message["role"] is null)
            {
                tools = ToolDefinitions(message);
                continue;
            }

            var role = Text(message["role"]) ?? "user";
            if (role is "system" or "developer")
            {
                foreach (var text in Parts(message).OfType<JsonObject>().Where(p => Text(p["type"]) == "text"))
                {
                    system.Add(text.DeepClone());
                }

                continue;
            }

            input.Add((JsonNode)new JsonObject { ["role"] = role, ["parts"] = Parts(message) });
        }

        if (system.Count > 0)
        {
            yield return new(GenAiContent.SystemInstructions, system.ToJsonString(Compact));
        }

        yield return new(GenAiContent.InputMessages, input.ToJsonString(Compact));
        if (tools is { Count: > 0 })
        {
            yield return new(GenAiContent.ToolDefinitions, tools.ToJsonString(Compact));
        }
    }

    /// <summary>The <c>gen_ai.output.messages</c> value for the answer a model step recorded (an OpenAI-shaped message).</summary>
    public static string? OutputMessages(string? recordedAnswer, string? finishReason)
    {
        if (TryParseObject(recordedAnswer) is not { } message)
        {
            return null;
        }

        var output = new JsonObject { ["role"] = Text(message["role"]) ?? "assistant", ["parts"] = Parts(message) };
        output["finish_reason"] = finishReason ?? "stop";
        return new JsonArray(output).ToJsonString(Compact);
    }

    /// <summary>
    /// The context a model call saw, in Keel's snapshot form, from gen_ai content attributes: the request's
    /// parameters first, then system instructions and the input messages as OpenAI-shaped messages.
    /// </summary>
    public static IReadOnlyList<string> ToSnapshot(string? model, string? systemInstructions, string? inputMessages, string? toolDefinitions)
    {
        var request = new JsonObject();
        if (model is not null)
        {
            request["model"] = model;
        }

        if (TryParseArray(toolDefinitions) is { Count: > 0 } definitions)
        {
            var tools = new JsonArray();
            foreach (var tool in definitions.OfType<JsonObject>())
            {
                var function = new JsonObject { ["name"] = Text(tool["name"]) ?? "" };
                if (Text(tool["description"]) is { } description)
                {
                    function["description"] = description;
                }

                if (tool["parameters"] is { } parameters)
                {
                    function["parameters"] = parameters.DeepClone();
                }

                tools.Add((JsonNode)new JsonObject { ["type"] = "function", ["function"] = function });
            }

            request["tools"] = tools;
        }

        var parts = new List<string> { request.ToJsonString(Compact) };
        if (TryParseArray(systemInstructions) is { Count: > 0 } system)
        {
            var text = string.Join("\n", system.OfType<JsonObject>().Select(p => Text(p["content"])).Where(t => t is not null));
            parts.Add(new JsonObject { ["role"] = "system", ["content"] = text }.ToJsonString(Compact));
        }

        foreach (var message in TryParseArray(inputMessages)?.OfType<JsonObject>() ?? [])
        {
            parts.AddRange(ToOpenAi(message));
        }

        return parts;
    }

    /// <summary>The first message of <c>gen_ai.output.messages</c> in OpenAI's shape: how Keel records a model step's answer.</summary>
    public static string? ToRecordedAnswer(string? outputMessages) =>
        TryParseArray(outputMessages)?.OfType<JsonObject>().FirstOrDefault() is { } message ? ToOpenAi(message).FirstOrDefault() : null;

    /// <summary>The text a person typed: the last user message's text, for a task's input.</summary>
    public static string? LastUserText(string? inputMessages) =>
        TryParseArray(inputMessages)?.OfType<JsonObject>().LastOrDefault(m => Text(m["role"]) == "user") is { } user
            ? JoinText(user["parts"] as JsonArray)
            : null;

    /// <summary>The text of the first output message, for a task's output.</summary>
    public static string? OutputText(string? outputMessages) =>
        TryParseArray(outputMessages)?.OfType<JsonObject>().FirstOrDefault() is { } message ? JoinText(message["parts"] as JsonArray) : null;

    private static string? JoinText(JsonArray? parts)
    {
        var texts = parts?.OfType<JsonObject>().Where(p => Text(p["type"]) == "text").Select(p => Text(p["content"])).Where(t => t is not null).ToList();
        return texts is { Count: > 0 } ? string.Concat(texts) : null;
    }

    /// <summary>An OpenAI-shaped message's content as gen_ai parts.</summary>
    private static JsonArray Parts(JsonObject message)
    {
        var parts = new JsonArray();
        switch (message["content"])
        {
            case JsonValue value when value.TryGetValue<string>(out var text):
                if (Text(message["tool_call_id"]) is { } callId)
                {
                    parts.Add((JsonNode)new JsonObject { ["type"] = "tool_call_response", ["id"] = callId, ["response"] = text });
                }
                else if (text.Length > 0)
                {
                    parts.Add((JsonNode)new JsonObject { ["type"] = "text", ["content"] = text });
                }

                break;
            case JsonArray items:
                foreach (var item in items.OfType<JsonObject>())
                {
                    parts.Add(Text(item["type"]) == "text"
                        ? new JsonObject { ["type"] = "text", ["content"] = Text(item["text"]) }
                        : item.DeepClone());
                }

                break;
        }

        foreach (var call in (message["tool_calls"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var function = call["function"] as JsonObject;
            var arguments = Text(function?["arguments"]);
            parts.Add((JsonNode)new JsonObject
            {
                ["type"] = "tool_call",
                ["id"] = Text(call["id"]),
                ["name"] = Text(function?["name"]),
                ["arguments"] = TryParse(arguments) ?? (arguments is null ? null : JsonValue.Create(arguments)),
            });
        }

        return parts;
    }

    /// <summary>
    /// A gen_ai message as OpenAI-shaped messages: usually one; a tool message with several responses becomes one
    /// message per response, as OpenAI's shape holds a single tool result per message.
    /// </summary>
    private static IEnumerable<string> ToOpenAi(JsonObject message)
    {
        var role = Text(message["role"]) ?? "user";
        var parts = (message["parts"] as JsonArray)?.OfType<JsonObject>().ToList() ?? [];
        var responses = parts.Where(p => Text(p["type"]) == "tool_call_response").ToList();
        foreach (var response in responses)
        {
            yield return new JsonObject
            {
                ["role"] = "tool",
                ["tool_call_id"] = Text(response["id"]) ?? "",
                ["content"] = response["response"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : response["response"]?.ToJsonString(Compact) ?? "",
            }.ToJsonString(Compact);
        }

        if (responses.Count > 0 && responses.Count == parts.Count)
        {
            yield break;
        }

        var text = string.Concat(parts.Where(p => Text(p["type"]) == "text").Select(p => Text(p["content"])));
        var calls = parts.Where(p => Text(p["type"]) == "tool_call").ToList();
        var openAi = new JsonObject { ["role"] = role, ["content"] = text.Length > 0 || calls.Count == 0 ? text : null };
        if (calls.Count > 0)
        {
            var toolCalls = new JsonArray();
            foreach (var call in calls)
            {
                toolCalls.Add((JsonNode)new JsonObject
                {
                    ["id"] = Text(call["id"]) ?? "",
                    ["type"] = "function",
                    ["function"] = new JsonObject
                    {
                        ["name"] = Text(call["name"]) ?? "",
                        ["arguments"] = call["arguments"] switch
                        {
                            null => "{}",
                            JsonValue v when v.TryGetValue<string>(out var s) => s,
                            var node => node.ToJsonString(Compact),
                        },
                    },
                });
            }

            openAi["tool_calls"] = toolCalls;
        }

        yield return openAi.ToJsonString(Compact);
    }

    /// <summary>OpenAI-shaped tool definitions of a request as gen_ai's <c>{"type","name","description","parameters"}</c>.</summary>
    private static JsonArray ToolDefinitions(JsonObject request)
    {
        var definitions = new JsonArray();
        foreach (var tool in (request["tools"] as JsonArray)?.OfType<JsonObject>() ?? [])
        {
            var function = tool["function"] as JsonObject ?? tool;
            var definition = new JsonObject { ["type"] = "function", ["name"] = Text(function["name"]) };
            if (Text(function["description"]) is { } description)
            {
                definition["description"] = description;
            }

            if (function["parameters"] is { } parameters)
            {
                definition["parameters"] = parameters.DeepClone();
            }

            definitions.Add((JsonNode)definition);
        }

        return definitions;
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static JsonNode? TryParse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonObject? TryParseObject(string? json) => TryParse(json) as JsonObject;

    private static JsonArray? TryParseArray(string? json) => TryParse(json) as JsonArray;
}
