using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Keel.Storage.Sqlite.Schema;

/// <summary>
/// Span attributes as a flat JSON object. Written by hand with <see cref="Utf8JsonWriter"/> because values are
/// OpenTelemetry primitives (string, bool, integer, double, arrays of those), not types to reflect over.
/// </summary>
internal static class AttributeJson
{
    public static string Write(IReadOnlyDictionary<string, object?> attributes)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteObject(writer, attributes);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the attributes as one JSON object and flushes the writer.</summary>
    public static void WriteObject(Utf8JsonWriter writer, IReadOnlyDictionary<string, object?> attributes)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in attributes)
        {
            if (value is null)
            {
                continue; // OpenTelemetry has no null attribute: an absent one says the same
            }

            writer.WritePropertyName(key);
            WriteValue(writer, value);
        }

        writer.WriteEndObject();
        writer.Flush();
    }

    public static Dictionary<string, object?> Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            attributes[property.Name] = ReadValue(property.Value);
        }

        return attributes;
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string s: writer.WriteStringValue(s); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case int i: writer.WriteNumberValue(i); break;
            case long l: writer.WriteNumberValue(l); break;
            case double d when double.IsFinite(d) && double.IsInteger(d): WriteWholeDouble(writer, d); break;
            case double d: writer.WriteNumberValue(d); break;
            case decimal m: writer.WriteNumberValue(m); break;
            case System.Collections.IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default: writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    /// <summary>
    /// Writes a whole double as "1.0", not "1", which would read back as a long: OpenTelemetry attributes are
    /// typed, and a temperature of 1.0 must stay a double.
    /// </summary>
    private static void WriteWholeDouble(Utf8JsonWriter writer, double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        writer.WriteRawValue(text.Contains('E', StringComparison.Ordinal) ? text : text + ".0");
    }

    private static object? ReadValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when value.TryGetInt64(out var l) => l,
        JsonValueKind.Number => value.GetDouble(),
        JsonValueKind.Array => value.EnumerateArray().Select(ReadValue).ToArray(),
        _ => null,
    };
}
