using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keel.Server.Wire;

/// <summary>
/// A <c>POST /v1/chat/completions</c> body, read once with a forward-only reader: Keel keeps the client's bytes and
/// where each top-level field and each message lies in them, so that the body for an OpenAI-compatible upstream is
/// the client's own bytes (fields Keel does not know included) with only the model and Keel's fields changed, and
/// no document tree is built on the hot path. A top-level field named twice counts once, the last time (as in
/// JavaScript); the upstream sees only that one.
/// </summary>
public sealed partial class ChatCompletionRequest
{
    private static readonly byte[] StreamOptionsWithUsage = "\"stream_options\":{"u8.ToArray();
    private static readonly byte[] IncludeUsage = "\"include_usage\":true}"u8.ToArray();
    private static readonly byte[] MetadataOpen = "\"metadata\":{"u8.ToArray();
    private static readonly byte[] ModelName = "\"model\":"u8.ToArray();

    private readonly byte[] _json;
    private readonly List<Field> _fields;
    private readonly List<Segment> _messages;
    private readonly Rewrite _metadata;
    private readonly List<Segment> _streamOptions;
    private readonly List<KeyValuePair<string, string?>> _keelMetadata;
    private readonly int _promptChars;
    private JsonObject? _body;

    /// <summary>The alias the client asked for.</summary>
    public string Model { get; }

    public bool Stream { get; }

    /// <summary>The client set <c>stream_options.include_usage</c>: it gets the usage chunk Keel always asks for.</summary>
    public bool ClientWantsUsage { get; }

    public bool HasTools { get; }
    public int? MaxTokens { get; }

    /// <summary>How many answers the client asked for (<c>n</c>); the provider bills each one's output.</summary>
    public int Choices { get; }

    /// <summary>
    /// The body as a document, built on first use only: for upstreams that are not OpenAI-compatible (translated
    /// through Microsoft.Extensions.AI) and for counting a prompt's tokens. Named twice, a field keeps its last value.
    /// </summary>
    public JsonObject Body => _body ??= (JsonObject)LastWinsJson.Parse(_json)!;

    public JsonArray Messages => (JsonArray)Body["messages"]!;

    /// <summary>
    /// The body to send upstream: the client's bytes, with the deployment's model name, Keel's context fields removed
    /// from <c>metadata</c>, and (for streams) the final usage chunk requested, since Keel prices from it.
    /// </summary>
    public byte[] ForUpstream(string upstreamModel)
    {
        var model = JsonEncodedText.Encode(upstreamModel, WireJson.Options.Encoder).EncodedUtf8Bytes;
        using var body = new Utf8Builder(_json.Length + model.Length + 48);
        body.Append((byte)'{');
        foreach (var field in _fields)
        {
            switch (field.Name)
            {
                case "model":
                    body.Separate().Append(ModelName).Append((byte)'"').Append(model).Append((byte)'"');
                    break;
                case "stream_options" when Stream:
                    break; // written below, with include_usage forced on
                case "metadata" when _metadata.Changed:
                    if (_metadata.Kept.Count > 0)
                    {
                        body.Separate().Append(MetadataOpen);
                        AppendMembers(body, _metadata.Kept);
                        body.Append((byte)'}');
                    }

                    break;
                default:
                    body.Separate().Append(Slice(field.Whole));
                    break;
            }
        }

        if (Stream)
        {
            body.Separate().Append(StreamOptionsWithUsage);
            AppendMembers(body, _streamOptions);
            if (_streamOptions.Count > 0)
            {
                body.Append((byte)',');
            }

            body.Append(IncludeUsage);
        }

        body.Append((byte)'}');
        return body.ToArray();
    }

    /// <summary>
    /// The context window as the journal stores it: the request's parameters (everything but the messages), then
    /// each message, as the client sent them.
    /// </summary>
    public IEnumerable<string> ContextParts()
    {
        using var parameters = new Utf8Builder(_json.Length + 2);
        parameters.Append((byte)'{');
        foreach (var field in _fields)
        {
            if (field.Name != "messages")
            {
                parameters.Separate().Append(Slice(field.Whole));
            }
        }

        parameters.Append((byte)'}');
        var parts = new string[_messages.Count + 1];
        parts[0] = parameters.ToUtf16();
        for (var i = 0; i < _messages.Count; i++)
        {
            parts[i + 1] = Encoding.UTF8.GetString(Slice(_messages[i]));
        }

        return parts;
    }

    /// <summary>A metadata field (or header) carrying Keel context, such as <c>keel_task_id</c>.</summary>
    public string? Metadata(string key)
    {
        string? value = null;
        foreach (var (name, text) in _keelMetadata)
        {
            if (name == key)
            {
                value = text; // the last one wins, as for every field named twice
            }
        }

        return value;
    }

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
            foreach (var (_, value) in message!.AsObject())
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
    public int EstimatedPromptTokens() => _promptChars / 4;

    private ReadOnlySpan<byte> Slice(Segment segment) => _json.AsSpan(segment.Start, segment.Length);

    /// <summary>Object members, each as the client wrote it (name, colon and value), comma-separated.</summary>
    private void AppendMembers(Utf8Builder body, List<Segment> members)
    {
        for (var i = 0; i < members.Count; i++)
        {
            if (i > 0)
            {
                body.Append((byte)',');
            }

            body.Append(Slice(members[i]));
        }
    }

    /// <summary>A stretch of the body's bytes.</summary>
    private readonly record struct Segment(int Start, int Length);

    /// <summary>A top-level field: its name, and its member as written (from the name's opening quote to the value's end).</summary>
    private readonly record struct Field(string Name, Segment Whole);

    /// <summary>An object Keel changes on the way upstream only if <see cref="Changed"/>; then it keeps <see cref="Kept"/>.</summary>
    private sealed record Rewrite(bool Changed, List<Segment> Kept);
}
