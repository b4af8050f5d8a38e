using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keel.Server.Wire;

/// <summary>
/// A parsed <c>POST /v1/chat/completions</c> body. The JSON is kept whole so that fields Keel does not know
/// travel unchanged to OpenAI-compatible upstreams.
/// </summary>
public sealed class ChatCompletionRequest
{
    private ChatCompletionRequest(JsonObject body, string model, JsonArray messages)
    {
        Body = body;
        Model = model;
        Messages = messages;
        Stream = body["stream"] is JsonValue s && s.TryGetValue<bool>(out var stream) && stream;
        ClientWantsUsage = body["stream_options"]?["include_usage"] is JsonValue u && u.TryGetValue<bool>(out var usage) && usage;
        HasTools = body["tools"] is JsonArray { Count: > 0 };
        MaxTokens = ReadInt(body["max_completion_tokens"]) ?? ReadInt(body["max_tokens"]);
        Choices = Math.Max(1, ReadInt(body["n"]) ?? 1);
    }

    public JsonObject Body { get; }

    /// <summary>The alias the client asked for.</summary>
    public string Model { get; }

    public JsonArray Messages { get; }
    public bool Stream { get; }

    /// <summary>The client set <c>stream_options.include_usage</c>: it gets the usage chunk Keel always asks for.</summary>
    public bool ClientWantsUsage { get; }

    public bool HasTools { get; }
    public int? MaxTokens { get; }

    /// <summary>How many answers the client asked for (<c>n</c>); the provider bills each one's output.</summary>
    public int Choices { get; }

    /// <summary>Parses and checks the fields every request needs.</summary>
    /// <exception cref="GatewayException">The body is not JSON, or lacks a model or messages.</exception>
    public static ChatCompletionRequest Parse(ReadOnlySpan<byte> json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 128 });
        }
        catch (JsonException ex)
        {
            throw new GatewayException(OpenAiError.InvalidJson(ex.Message));
        }

        if (root is not JsonObject body)
        {
            throw new GatewayException(OpenAiError.InvalidJson("the body must be a JSON object."));
        }

        if (body["model"] is not JsonValue modelValue || !modelValue.TryGetValue<string>(out var model) || model.Length == 0)
        {
            throw new GatewayException(OpenAiError.Invalid("you must provide a model parameter.", "model"));
        }

        if (body["messages"] is not JsonArray { Count: > 0 } messages)
        {
            throw new GatewayException(OpenAiError.Invalid("'messages' must be a non-empty array.", "messages"));
        }

        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not JsonObject message || message["role"] is not JsonValue role || !role.TryGetValue<string>(out _))
            {
                throw new GatewayException(OpenAiError.Invalid($"messages[{i}] must be an object with a 'role'.", $"messages[{i}]"));
            }
        }

        return new ChatCompletionRequest(body, model, messages);
    }

    /// <summary>
    /// The body to send upstream: the client's, with the deployment's model name, Keel's context fields removed
    /// from <c>metadata</c>, and (for streams) the final usage chunk requested, since Keel prices from it.
    /// </summary>
    public byte[] ForUpstream(string upstreamModel)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WireJson.Options))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in Body)
            {
                switch (name)
                {
                    case "model":
                        writer.WriteString("model", upstreamModel);
                        break;
                    case "stream_options" when Stream:
                        break; // written below, with include_usage forced on
                    case "metadata" when value is JsonObject metadata:
                        var kept = metadata.Where(p => !p.Key.StartsWith("keel_", StringComparison.Ordinal)).ToList();
                        if (kept.Count > 0)
                        {
                            writer.WriteStartObject("metadata");
                            foreach (var (key, item) in kept)
                            {
                                writer.WritePropertyName(key);
                                WriteNode(writer, item);
                            }

                            writer.WriteEndObject();
                        }

                        break;
                    default:
                        writer.WritePropertyName(name);
                        WriteNode(writer, value);
                        break;
                }
            }

            if (Stream)
            {
                writer.WriteStartObject("stream_options");
                if (Body["stream_options"] is JsonObject options)
                {
                    foreach (var (key, item) in options.Where(p => p.Key != "include_usage"))
                    {
                        writer.WritePropertyName(key);
                        WriteNode(writer, item);
                    }
                }

                writer.WriteBoolean("include_usage", true);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The context window as the journal stores it: the request's parameters (everything but the messages), then
    /// each message as the client sent it.
    /// </summary>
    public IEnumerable<string> ContextParts()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WireJson.Options))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in Body)
            {
                if (name != "messages")
                {
                    writer.WritePropertyName(name);
                    WriteNode(writer, value);
                }
            }

            writer.WriteEndObject();
        }

        yield return Encoding.UTF8.GetString(buffer.WrittenSpan);
        foreach (var message in Messages)
        {
            yield return message!.ToJsonString(WireJson.SerializerOptions);
        }
    }

    /// <summary>A metadata field (or header) carrying Keel context, such as <c>keel_task_id</c>.</summary>
    public string? Metadata(string key) =>
        Body["metadata"]?[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    /// <summary>
    /// The prompt's tokens as OpenAI's o200k_base counts them, with the per-message framing and the tool
    /// definitions: the input side of a budget reservation.
    /// </summary>
    public int PromptTokens(Tokens.TokenCounter tokens)
    {
        var total = 3;
        foreach (var message in Messages)
        {
            total += 3;
            foreach (var (name, value) in message!.AsObject())
            {
                total += value switch
                {
                    JsonValue text when text.TryGetValue<string>(out var s) => tokens.Count(s),
                    null => 0,
                    _ => tokens.Count(value.ToJsonString(WireJson.SerializerOptions)),
                };
            }
        }

        if (Body["tools"] is JsonArray tools)
        {
            total += tokens.Count(tools.ToJsonString(WireJson.SerializerOptions));
        }

        return total;
    }

    /// <summary>Rough prompt size (characters / 4) for routing by context window before any tokenizer runs.</summary>
    public int EstimatedPromptTokens()
    {
        var chars = 0;
        foreach (var message in Messages)
        {
            chars += message?["content"] switch
            {
                JsonValue text when text.TryGetValue<string>(out var s) => s.Length,
                JsonArray parts => parts.Sum(p => p?["text"] is JsonValue t && t.TryGetValue<string>(out var s) ? s.Length : 0),
                _ => 0,
            };
        }

        return chars / 4;
    }

    private static void WriteNode(Utf8JsonWriter writer, JsonNode? node)
    {
        if (node is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            node.WriteTo(writer);
        }
    }

    private static int? ReadInt(JsonNode? node) => node is JsonValue value && value.TryGetValue<int>(out var i) ? i : null;
}
