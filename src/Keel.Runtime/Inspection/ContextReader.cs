using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Keel.Inspection;

/// <summary>
/// Reads stored context windows whatever wrote them: the SDK's canonical messages (<see cref="Context.MessageJson"/>),
/// the OpenAI wire messages a gateway client sent as they were (content parts, legacy function calls, refusals), and
/// OpenTelemetry gen_ai messages (<c>parts</c>). Unknown shapes degrade to placeholders, never to an exception: a
/// person inspecting a step must always see what was stored.
/// </summary>
internal static class ContextReader
{
    private static readonly HashSet<string> RequestOnly = new(StringComparer.Ordinal) { "model", "tools", "functions", "messages" };

    public static ContextWindow Window(IReadOnlyList<string> entries)
    {
        var request = new ModelRequest(null, new Dictionary<string, JsonElement>(), []);
        var first = 0;
        if (entries.Count > 0 && TryRequest(entries[0]) is { } parsed)
        {
            request = parsed;
            first = 1;
        }

        var messages = new List<ContextMessage>(entries.Count - first);
        for (var i = first; i < entries.Count; i++)
        {
            messages.Add(Message(entries[i], i - first));
        }

        return new ContextWindow(request, messages);
    }

    public static ContextMessage Message(string json, int index)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return new ContextMessage(index, "unknown", json, [], []);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new ContextMessage(index, "unknown", root.GetRawText(), [], []);
            }

            var role = Str(root, "role") ?? "unknown";
            return root.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array
                ? FromParts(index, role, parts)
                : FromOpenAi(index, role, root);
        }
    }

    private static ModelRequest? TryRequest(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.TryGetProperty("role", out _))
            {
                return null;
            }

            var parameters = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject().Where(p => !RequestOnly.Contains(p.Name)))
            {
                parameters[property.Name] = property.Value.Clone();
            }

            var tools = new List<ToolDefinition>();
            foreach (var name in new[] { "tools", "functions" })
            {
                if (root.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    tools.AddRange(list.EnumerateArray().Select(Tool));
                }
            }

            return new ModelRequest(Str(root, "model"), parameters, tools);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A tool as OpenAI's chat API nests it (<c>{type, function:{...}}</c>) or flat (Responses API, legacy functions).</summary>
    private static ToolDefinition Tool(JsonElement tool)
    {
        var definition = tool.ValueKind == JsonValueKind.Object && tool.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object
            ? function
            : tool;
        if (definition.ValueKind != JsonValueKind.Object)
        {
            return new ToolDefinition(definition.GetRawText(), null, null);
        }

        var name = Str(definition, "name") ?? Str(tool, "type") ?? "?";
        JsonElement? schema = definition.TryGetProperty("parameters", out var parameters) ? parameters.Clone() : null;
        return new ToolDefinition(name, Str(definition, "description"), schema);
    }

    private static ContextMessage FromOpenAi(int index, string role, JsonElement root)
    {
        var text = root.TryGetProperty("content", out var content) ? ContentText(content) : "";
        if (Str(root, "refusal") is { Length: > 0 } refusal)
        {
            text = Join(text, $"[refusal] {refusal}");
        }

        if (role is "tool" or "function")
        {
            var callId = Str(root, "tool_call_id") ?? Str(root, "name") ?? "";
            return new ContextMessage(index, role, "", [], [new ContextToolResult(callId, text)]);
        }

        var calls = new List<ContextToolCall>();
        if (root.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in toolCalls.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.Object))
            {
                var id = Str(call, "id") ?? "";
                if (call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
                {
                    calls.Add(new ContextToolCall(id, Str(function, "name") ?? "?", JsonText(function, "arguments")));
                }
                else if (call.TryGetProperty("custom", out var custom) && custom.ValueKind == JsonValueKind.Object)
                {
                    calls.Add(new ContextToolCall(id, Str(custom, "name") ?? "?", JsonText(custom, "input")));
                }
            }
        }

        if (root.TryGetProperty("function_call", out var legacy) && legacy.ValueKind == JsonValueKind.Object)
        {
            var name = Str(legacy, "name") ?? "?";
            calls.Add(new ContextToolCall(name, name, JsonText(legacy, "arguments")));
        }

        return new ContextMessage(index, role, text, calls, []);
    }

    /// <summary>An OpenTelemetry gen_ai message: <c>{role, parts:[{type:"text"|"tool_call"|"tool_call_response", ...}]}</c>.</summary>
    private static ContextMessage FromParts(int index, string role, JsonElement parts)
    {
        var text = new StringBuilder();
        var calls = new List<ContextToolCall>();
        var results = new List<ContextToolResult>();
        foreach (var part in parts.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.Object))
        {
            switch (Str(part, "type"))
            {
                case "text":
                    Append(text, Str(part, "content") ?? "");
                    break;
                case "tool_call":
                    calls.Add(new ContextToolCall(Str(part, "id") ?? "", Str(part, "name") ?? "?", JsonText(part, "arguments")));
                    break;
                case "tool_call_response":
                    results.Add(new ContextToolResult(Str(part, "id") ?? "", part.TryGetProperty("response", out var response)
                        ? response.ValueKind == JsonValueKind.String ? response.GetString()! : Compact(response)
                        : ""));
                    break;
                case var type:
                    Append(text, $"[{type ?? "part"}]");
                    break;
            }
        }

        return new ContextMessage(index, role, text.ToString(), calls, results);
    }

    /// <summary>OpenAI content: a string, null, or an array of parts whose text parts are joined.</summary>
    private static string ContentText(JsonElement content)
    {
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString()!;
            case JsonValueKind.Array:
                var text = new StringBuilder();
                foreach (var part in content.EnumerateArray())
                {
                    Append(text, part switch
                    {
                        { ValueKind: JsonValueKind.String } => part.GetString()!,
                        { ValueKind: JsonValueKind.Object } => Str(part, "type") switch
                        {
                            "text" or "input_text" or "output_text" => Str(part, "text") ?? "",
                            "refusal" => $"[refusal] {Str(part, "refusal")}",
                            "image_url" or "input_image" => "[image]",
                            "input_audio" => "[audio]",
                            "file" or "input_file" => "[file]",
                            var type => $"[{type ?? "part"}]",
                        },
                        _ => part.GetRawText(),
                    });
                }

                return text.ToString();
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return "";
            default:
                return content.GetRawText();
        }
    }

    private static void Append(StringBuilder text, string part)
    {
        if (part.Length == 0)
        {
            return;
        }

        if (text.Length > 0)
        {
            text.Append('\n');
        }

        text.Append(part);
    }

    private static string Join(string text, string more) => text.Length == 0 ? more : text + "\n" + more;

    private static string? Str(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>
    /// Tool arguments, which the wire carries as JSON text or as JSON itself, as compact JSON text: one line to read,
    /// and the same whoever indented it. Text that is not JSON stays as written.
    /// </summary>
    private static string JsonText(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value))
        {
            return "{}";
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return Compact(value);
        }

        var text = value.GetString()!;
        try
        {
            using var document = JsonDocument.Parse(text);
            return Compact(document.RootElement);
        }
        catch (JsonException)
        {
            return text;
        }
    }

    private static string Compact(JsonElement value)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            value.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
