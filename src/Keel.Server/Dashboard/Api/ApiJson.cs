using System.Buffers;
using System.Text.Json;
using Keel.Server.Gateway;
using Keel.Server.Wire;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Dashboard.Api;

/// <summary>How the dashboard API writes JSON: buffered (so a failure midway is still a clean 500), times as UTC ISO-8601.</summary>
internal static class ApiJson
{
    public static async Task WriteAsync(HttpContext http, Action<Utf8JsonWriter> write, int status = StatusCodes.Status200OK)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, WireJson.Options))
        {
            write(writer);
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.ContentLength = buffer.WrittenCount;
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted).ConfigureAwait(false);
    }

    public static Task NotFoundAsync(HttpContext http, string what) =>
        GatewayResponses.WriteErrorAsync(http, OpenAiError.NotFound($"No {what}, or not one this token may see."));

    public static Task InvalidAsync(HttpContext http, string message, string? param = null) =>
        GatewayResponses.WriteErrorAsync(http, OpenAiError.Invalid(message, param));

    public static void Time(this Utf8JsonWriter writer, string name, DateTimeOffset? time)
    {
        if (time is { } t)
        {
            writer.WriteString(name, t.UtcDateTime);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    public static void Text(this Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    public static void Number(this Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    public static void Number(this Utf8JsonWriter writer, string name, decimal? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    public static void Number(this Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v && double.IsFinite(v))
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>A stored JSON text as JSON when it parses, else as a string: results are JSON, but nothing guarantees it.</summary>
    public static void RawOrText(this Utf8JsonWriter writer, string name, string? json)
    {
        if (json is null)
        {
            writer.WriteNull(name);
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            writer.WritePropertyName(name);
            document.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            writer.WriteString(name, json);
        }
    }

    /// <summary>A span attribute value: an OpenTelemetry primitive, or an array of them.</summary>
    public static void AttributeValue(this Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string s: writer.WriteStringValue(s); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case int i: writer.WriteNumberValue(i); break;
            case long l: writer.WriteNumberValue(l); break;
            case double d when double.IsFinite(d): writer.WriteNumberValue(d); break;
            case decimal m: writer.WriteNumberValue(m); break;
            case System.Collections.IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    writer.AttributeValue(item);
                }

                writer.WriteEndArray();
                break;
            default: writer.WriteStringValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)); break;
        }
    }

    /// <summary>The first <paramref name="max"/> characters, with an ellipsis when there were more.</summary>
    public static string? Preview(string? text, int max = 200) =>
        text is null || text.Length <= max ? text : string.Concat(text.AsSpan(0, max), "…");

    public static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
