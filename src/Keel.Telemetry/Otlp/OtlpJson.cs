using System.Text.Json.Nodes;
using Google.Protobuf;
using Keel.Telemetry.Otlp.Proto;

namespace Keel.Telemetry.Otlp;

/// <summary>
/// OTLP's JSON encoding: protobuf's JSON mapping with three differences the protocol makes, which a plain protobuf
/// formatter gets wrong. Trace and span ids are hex, not base64; enums are integers; and field names are
/// lowerCamelCase (protobuf's default). Unknown fields are ignored when reading, as the protocol asks.
/// </summary>
public static class OtlpJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatEnumsAsIntegers(true));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static string Format(ExportTraceServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var root = JsonNode.Parse(Formatter.Format(request))!;
        ConvertIds(root, static base64 => Convert.ToHexStringLower(Convert.FromBase64String(base64)));
        return root.ToJsonString();
    }

    /// <summary>Formats a message that carries no ids: a response, or an error's status.</summary>
    public static string Format(IMessage message) => Formatter.Format(message);

    /// <exception cref="FormatException">The text is not an OTLP JSON export request; the message says where.</exception>
    public static ExportTraceServiceRequest ParseRequest(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new FormatException($"The body is not valid JSON: {ex.Message}", ex);
        }

        if (root is not JsonObject)
        {
            throw new FormatException("The body is not a JSON object.");
        }

        ConvertIds(root, static hex => Convert.ToBase64String(Convert.FromHexString(hex)));
        try
        {
            return Parser.Parse<ExportTraceServiceRequest>(root.ToJsonString());
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new FormatException(ex.Message, ex);
        }
        catch (InvalidJsonException ex)
        {
            throw new FormatException(ex.Message, ex);
        }
    }

    /// <summary>Parses a response or status; unknown fields are ignored.</summary>
    /// <exception cref="FormatException">The text is not such a message.</exception>
    public static T Parse<T>(string json) where T : IMessage, new()
    {
        try
        {
            return Parser.Parse<T>(json);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or InvalidJsonException or System.Text.Json.JsonException)
        {
            throw new FormatException(ex.Message, ex);
        }
    }

    /// <summary>Rewrites every id field (a span's trace, span and parent ids, and a link's) with <paramref name="convert"/>.</summary>
    private static void ConvertIds(JsonNode root, Func<string, string> convert)
    {
        foreach (var resourceSpans in Items(root, "resourceSpans"))
        {
            foreach (var scopeSpans in Items(resourceSpans, "scopeSpans"))
            {
                foreach (var span in Items(scopeSpans, "spans"))
                {
                    ConvertFields(span, convert, "traceId", "spanId", "parentSpanId");
                    foreach (var link in Items(span, "links"))
                    {
                        ConvertFields(link, convert, "traceId", "spanId");
                    }
                }
            }
        }
    }

    private static IEnumerable<JsonNode> Items(JsonNode node, string name) =>
        node is JsonObject o && o[name] is JsonArray array ? array.OfType<JsonNode>() : [];

    private static void ConvertFields(JsonNode node, Func<string, string> convert, params ReadOnlySpan<string> names)
    {
        if (node is not JsonObject o)
        {
            return;
        }

        foreach (var name in names)
        {
            if (o[name] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0)
            {
                try
                {
                    o[name] = convert(text);
                }
                catch (FormatException ex)
                {
                    throw new FormatException($"{name} \"{text}\" is not a hex id.", ex);
                }
            }
        }
    }
}
