using System.Text;
using System.Text.Json;

namespace Keel.Server.Wire;

public sealed partial class ChatCompletionRequest
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 128 };

    private ChatCompletionRequest(byte[] json, Scan scan, string model)
    {
        _json = json;
        _fields = scan.Fields;
        _messages = scan.Messages;
        _metadata = new Rewrite(scan.KeelMetadata.Count > 0, scan.KeptMetadata);
        _streamOptions = scan.StreamOptions;
        _keelMetadata = scan.KeelMetadata;
        _promptChars = scan.PromptChars;
        Model = model;
        Stream = scan.Stream;
        ClientWantsUsage = scan.IncludeUsage;
        HasTools = scan.HasTools;
        MaxTokens = scan.MaxCompletionTokens ?? scan.MaxTokens;
        Choices = Math.Max(1, scan.N ?? 1);
    }

    /// <summary>Reads the fields Keel needs in one pass, and checks those every request needs.</summary>
    /// <exception cref="GatewayException">The body is not JSON, or lacks a model or messages.</exception>
    public static ChatCompletionRequest Parse(byte[] json)
    {
        Scan scan;
        try
        {
            scan = Read(json);
        }
        catch (JsonException ex)
        {
            throw new GatewayException(OpenAiError.InvalidJson(ex.Message));
        }
        catch (InvalidOperationException ex)
        {
            // A string Keel reads that cannot be text, such as an escaped lone surrogate ("\ud800").
            throw new GatewayException(OpenAiError.InvalidJson(ex.Message));
        }

        if (scan.NotAnObject)
        {
            throw new GatewayException(OpenAiError.InvalidJson("the body must be a JSON object."));
        }

        if (scan.Model is not { Length: > 0 } model)
        {
            throw new GatewayException(OpenAiError.Invalid("you must provide a model parameter.", "model"));
        }

        if (!scan.MessagesIsArray || scan.Messages.Count == 0)
        {
            throw new GatewayException(OpenAiError.Invalid("'messages' must be a non-empty array.", "messages"));
        }

        if (scan.BadMessage is { } i)
        {
            throw new GatewayException(OpenAiError.Invalid($"messages[{i}] must be an object with a 'role'.", $"messages[{i}]"));
        }

        return new ChatCompletionRequest(json, scan, model);
    }

    private static Scan Read(byte[] json)
    {
        var scan = new Scan();
        var reader = new Utf8JsonReader(json, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            while (reader.Read())
            {
                // validates the rest, so that a broken body is reported as broken JSON first
            }

            scan.NotAnObject = true;
            return scan;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var start = (int)reader.TokenStartIndex;
            var name = FieldName(ref reader);
            reader.Read();
            switch (name)
            {
                case "model":
                    scan.Model = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    break;
                case "messages":
                    ReadMessages(ref reader, scan);
                    break;
                case "stream":
                    scan.Stream = reader.TokenType == JsonTokenType.True;
                    break;
                case "stream_options":
                    ReadStreamOptions(ref reader, scan);
                    break;
                case "tools":
                    var peek = reader;
                    scan.HasTools = reader.TokenType == JsonTokenType.StartArray && peek.Read() && peek.TokenType != JsonTokenType.EndArray;
                    break;
                case "max_completion_tokens":
                    scan.MaxCompletionTokens = Int(ref reader);
                    break;
                case "max_tokens":
                    scan.MaxTokens = Int(ref reader);
                    break;
                case "n":
                    scan.N = Int(ref reader);
                    break;
                case "metadata":
                    ReadMetadata(ref reader, scan);
                    break;
            }

            reader.Skip();
            scan.Add(name, start, (int)reader.BytesConsumed);
        }

        while (reader.Read())
        {
            // nothing may follow the object; the reader throws if anything does
        }

        return scan;
    }

    /// <summary>The names Keel reads come back as shared constants; others are allocated (they are few and short).</summary>
    private static string FieldName(ref Utf8JsonReader reader)
    {
        foreach (var known in KnownFields)
        {
            if (reader.ValueTextEquals(known.Utf8))
            {
                return known.Name;
            }
        }

        return reader.GetString()!;
    }

    private static readonly (string Name, byte[] Utf8)[] KnownFields =
        [.. new[] { "model", "messages", "stream", "stream_options", "tools", "max_completion_tokens", "max_tokens", "n", "metadata" }
            .Select(n => (n, Encoding.UTF8.GetBytes(n)))];

    private static int? Int(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) ? value : null;

    /// <summary>Each message's bytes, the length of its text (for routing by size), and whether it has a string role.</summary>
    private static void ReadMessages(ref Utf8JsonReader reader, Scan scan)
    {
        scan.Messages.Clear();
        scan.BadMessage = null;
        scan.PromptChars = 0;
        scan.MessagesIsArray = reader.TokenType == JsonTokenType.StartArray;
        if (!scan.MessagesIsArray)
        {
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var start = (int)reader.TokenStartIndex;
            var hasRole = false;
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isRole = reader.ValueTextEquals("role"u8);
                    var isContent = !isRole && reader.ValueTextEquals("content"u8);
                    reader.Read();
                    if (isRole)
                    {
                        hasRole = reader.TokenType == JsonTokenType.String;
                    }
                    else if (isContent)
                    {
                        scan.PromptChars += ContentChars(ref reader);
                    }

                    reader.Skip();
                }
            }
            else
            {
                reader.Skip();
            }

            if (!hasRole)
            {
                scan.BadMessage ??= scan.Messages.Count;
            }

            scan.Messages.Add(new Segment(start, (int)reader.BytesConsumed - start));
        }
    }

    /// <summary>The characters of a message's text: a string, or the <c>text</c> of each part of an array.</summary>
    private static int ContentChars(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return TextChars(ref reader);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return 0;
        }

        var chars = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isText = reader.ValueTextEquals("text"u8);
                reader.Read();
                if (isText && reader.TokenType == JsonTokenType.String)
                {
                    chars += TextChars(ref reader);
                }

                reader.Skip();
            }
        }

        return chars;
    }

    // Rough by design (it only estimates tokens): escapes count as written.
    private static int TextChars(ref Utf8JsonReader reader) =>
        reader.ValueIsEscaped ? reader.ValueSpan.Length : Encoding.UTF8.GetCharCount(reader.ValueSpan);

    private static void ReadStreamOptions(ref Utf8JsonReader reader, Scan scan)
    {
        scan.StreamOptions.Clear();
        scan.IncludeUsage = false;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var start = (int)reader.TokenStartIndex;
            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (isIncludeUsage)
            {
                scan.IncludeUsage = reader.TokenType == JsonTokenType.True;
            }

            reader.Skip();
            if (!isIncludeUsage)
            {
                scan.StreamOptions.Add(new Segment(start, (int)reader.BytesConsumed - start));
            }
        }
    }

    /// <summary>Keel's own fields (<c>keel_*</c>) are read and taken out; the rest of the metadata goes upstream.</summary>
    private static void ReadMetadata(ref Utf8JsonReader reader, Scan scan)
    {
        scan.KeelMetadata.Clear();
        scan.KeptMetadata.Clear();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var start = (int)reader.TokenStartIndex;
            var name = reader.GetString()!;
            reader.Read();
            if (name.StartsWith("keel_", StringComparison.Ordinal))
            {
                scan.KeelMetadata.Add(new(name, reader.TokenType == JsonTokenType.String ? reader.GetString() : null));
                reader.Skip();
            }
            else
            {
                reader.Skip();
                scan.KeptMetadata.Add(new Segment(start, (int)reader.BytesConsumed - start));
            }
        }
    }

    /// <summary>What one pass over the body found.</summary>
    private sealed class Scan
    {
        public List<Field> Fields { get; } = new(8);
        public List<Segment> Messages { get; } = [];
        public List<Segment> StreamOptions { get; } = [];
        public List<Segment> KeptMetadata { get; } = [];
        public List<KeyValuePair<string, string?>> KeelMetadata { get; } = [];
        public bool NotAnObject { get; set; }
        public string? Model { get; set; }
        public bool MessagesIsArray { get; set; }
        public int? BadMessage { get; set; }
        public int PromptChars { get; set; }
        public bool Stream { get; set; }
        public bool IncludeUsage { get; set; }
        public bool HasTools { get; set; }
        public int? MaxCompletionTokens { get; set; }
        public int? MaxTokens { get; set; }
        public int? N { get; set; }

        /// <summary>A field named again replaces the earlier one, in the earlier one's place.</summary>
        public void Add(string name, int start, int end)
        {
            var field = new Field(name, new Segment(start, end - start));
            for (var i = 0; i < Fields.Count; i++)
            {
                if (Fields[i].Name == name)
                {
                    Fields[i] = field;
                    return;
                }
            }

            Fields.Add(field);
        }
    }
}
