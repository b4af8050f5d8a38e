using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Keel.MockUpstream;

/// <summary>
/// The smallest plausible JSON value for a JSON schema: every property present, strings "x", numbers 1,
/// booleans true, the first enum value. Enough for a caller to parse tool arguments or structured output.
/// </summary>
internal static class SchemaSample
{
    private const int MaxDepth = 8;

    /// <summary>A compact JSON object for <paramref name="schema"/>; "{}" when it declares no properties.</summary>
    public static string ObjectFor(JsonElement schema)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, MockJson.WriterOptions))
        {
            WriteObject(writer, schema, 0);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary><c>{"answer": text}</c>: the JSON-mode answer when no schema says otherwise.</summary>
    public static string AnswerObject(string text)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, MockJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("answer", text);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static bool HasProperties(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Object
        && schema.TryGetProperty("properties", out var properties)
        && properties.ValueKind == JsonValueKind.Object
        && properties.EnumerateObject().Any();

    private static void WriteObject(Utf8JsonWriter writer, JsonElement schema, int depth)
    {
        writer.WriteStartObject();
        if (depth < MaxDepth
            && schema.ValueKind == JsonValueKind.Object
            && schema.TryGetProperty("properties", out var properties)
            && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                writer.WritePropertyName(property.Name);
                WriteValue(writer, property.Value, depth + 1);
            }
        }

        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonElement schema, int depth)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            writer.WriteStringValue("x");
            return;
        }

        if (schema.TryGetProperty("const", out var constant))
        {
            constant.WriteTo(writer);
            return;
        }

        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array && values.GetArrayLength() > 0)
        {
            values[0].WriteTo(writer);
            return;
        }

        switch (TypeOf(schema))
        {
            case "object":
                WriteObject(writer, schema, depth);
                break;
            case "array":
                writer.WriteStartArray();
                writer.WriteEndArray();
                break;
            case "integer" or "number":
                writer.WriteNumberValue(1);
                break;
            case "boolean":
                writer.WriteBooleanValue(true);
                break;
            case "null":
                writer.WriteNullValue();
                break;
            default:
                writer.WriteStringValue("x");
                break;
        }
    }

    /// <summary>The declared type; for a union such as ["string","null"] the first that is not "null".</summary>
    private static string? TypeOf(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return schema.TryGetProperty("properties", out _) ? "object" : null;
        }

        if (type.ValueKind == JsonValueKind.String)
        {
            return type.GetString();
        }

        if (type.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in type.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && item.GetString() is { } name && name != "null")
                {
                    return name;
                }
            }
        }

        return null;
    }
}
