using System.Collections;
using System.Globalization;
using System.Text.Json;
using Keel.Telemetry.Otlp.Proto;

namespace Keel.Telemetry.Otlp;

/// <summary>
/// Attribute values between Keel's spans (OpenTelemetry primitives and arrays of them, as the store keeps them) and
/// OTLP's <see cref="AnyValue"/>. OTLP can say more (maps, bytes, nested arrays); what Keel cannot store as a
/// primitive is kept as text rather than lost.
/// </summary>
public static class OtlpValues
{
    /// <summary>The OTLP value of an attribute; null for a null attribute, which OpenTelemetry leaves out.</summary>
    public static AnyValue? ToAnyValue(object? value) => value switch
    {
        null => null,
        string s => new AnyValue { StringValue = s },
        bool b => new AnyValue { BoolValue = b },
        int i => new AnyValue { IntValue = i },
        long l => new AnyValue { IntValue = l },
        short s => new AnyValue { IntValue = s },
        byte b => new AnyValue { IntValue = b },
        uint u => new AnyValue { IntValue = u },
        double d => new AnyValue { DoubleValue = d },
        float f => new AnyValue { DoubleValue = f },
        decimal m => new AnyValue { DoubleValue = (double)m },
        JsonElement e => FromJson(e),
        IEnumerable items => Array(items.Cast<object?>()),
        _ => new AnyValue { StringValue = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "" },
    };

    /// <summary>
    /// The attribute value Keel stores for an OTLP value: a string, bool, long, double or an array of those. A map,
    /// or an array holding maps or arrays, becomes its JSON text; bytes become base64.
    /// </summary>
    public static object? FromAnyValue(AnyValue? value) => value?.ValueCase switch
    {
        null or AnyValue.ValueOneofCase.None => null,
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue,
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue,
        AnyValue.ValueOneofCase.BytesValue => value.BytesValue.ToBase64(),
        AnyValue.ValueOneofCase.ArrayValue when value.ArrayValue.Values.All(IsPrimitive) => value.ArrayValue.Values.Select(FromAnyValue).ToArray(),
        _ => ToJsonText(value),
    };

    private static bool IsPrimitive(AnyValue value) => value.ValueCase is AnyValue.ValueOneofCase.StringValue or AnyValue.ValueOneofCase.BoolValue
        or AnyValue.ValueOneofCase.IntValue or AnyValue.ValueOneofCase.DoubleValue;

    private static AnyValue Array(IEnumerable<object?> items)
    {
        var array = new ArrayValue();
        foreach (var item in items)
        {
            array.Values.Add(ToAnyValue(item) ?? new AnyValue());
        }

        return new AnyValue { ArrayValue = array };
    }

    private static AnyValue FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => new AnyValue { StringValue = element.GetString() },
        JsonValueKind.True => new AnyValue { BoolValue = true },
        JsonValueKind.False => new AnyValue { BoolValue = false },
        JsonValueKind.Number when element.TryGetInt64(out var l) => new AnyValue { IntValue = l },
        JsonValueKind.Number => new AnyValue { DoubleValue = element.GetDouble() },
        JsonValueKind.Array => Array(element.EnumerateArray().Select(e => (object?)e)),
        _ => new AnyValue { StringValue = element.GetRawText() },
    };

    /// <summary>A structured value as plain JSON (maps as objects, arrays as arrays), the way gen_ai content reads.</summary>
    private static string ToJsonText(AnyValue value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, value);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void Write(Utf8JsonWriter writer, AnyValue value)
    {
        switch (value.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue: writer.WriteStringValue(value.StringValue); break;
            case AnyValue.ValueOneofCase.BoolValue: writer.WriteBooleanValue(value.BoolValue); break;
            case AnyValue.ValueOneofCase.IntValue: writer.WriteNumberValue(value.IntValue); break;
            case AnyValue.ValueOneofCase.DoubleValue when double.IsFinite(value.DoubleValue): writer.WriteNumberValue(value.DoubleValue); break;
            case AnyValue.ValueOneofCase.DoubleValue: writer.WriteStringValue(value.DoubleValue.ToString(CultureInfo.InvariantCulture)); break;
            case AnyValue.ValueOneofCase.BytesValue: writer.WriteBase64StringValue(value.BytesValue.Span); break;
            case AnyValue.ValueOneofCase.ArrayValue:
                writer.WriteStartArray();
                foreach (var item in value.ArrayValue.Values)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                writer.WriteStartObject();
                foreach (var pair in value.KvlistValue.Values)
                {
                    writer.WritePropertyName(pair.Key);
                    Write(writer, pair.Value ?? new AnyValue());
                }

                writer.WriteEndObject();
                break;
            default: writer.WriteNullValue(); break;
        }
    }
}
