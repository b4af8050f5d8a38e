using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Keel.Context;

/// <summary>
/// A canonical, OpenAI-shaped JSON form of chat messages. Canonical matters: a message that is sent again at
/// every later step must serialize to the same bytes to be stored once.
/// </summary>
public static class MessageJson
{
    public static string Serialize(ChatMessage message) => Write(writer => WriteMessage(writer, message));

    /// <summary>The request parameters the model saw besides its messages: model, tools and limits.</summary>
    public static string SerializeRequest(string model, ChatOptions? options) => Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("model", model);
        if (options?.MaxOutputTokens is { } max)
        {
            writer.WriteNumber("max_tokens", max);
        }

        if (options?.Temperature is { } temperature)
        {
            writer.WriteNumber("temperature", temperature);
        }

        if (options?.Tools is { Count: > 0 } tools)
        {
            writer.WriteStartArray("tools");
            foreach (var tool in tools)
            {
                writer.WriteStartObject();
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", tool.Name);
                if (!string.IsNullOrEmpty(tool.Description))
                {
                    writer.WriteString("description", tool.Description);
                }

                if (tool is AIFunctionDeclaration function)
                {
                    writer.WritePropertyName("parameters");
                    function.JsonSchema.WriteTo(writer);
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    });

    public static ChatMessage Deserialize(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var role = new ChatRole(root.GetProperty("role").GetString()!);
        var contents = new List<AIContent>();
        if (root.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
        {
            if (role == ChatRole.Tool && root.TryGetProperty("tool_call_id", out var callId))
            {
                contents.Add(new FunctionResultContent(callId.GetString()!, content.GetString()));
            }
            else
            {
                contents.Add(new TextContent(content.GetString()));
            }
        }

        if (root.TryGetProperty("tool_calls", out var calls))
        {
            foreach (var call in calls.EnumerateArray())
            {
                var function = call.GetProperty("function");
                contents.Add(new FunctionCallContent(
                    call.GetProperty("id").GetString()!,
                    function.GetProperty("name").GetString()!,
                    Json.ParseArguments(function.GetProperty("arguments").GetString()!)));
            }
        }

        return new ChatMessage(role, contents);
    }

    private static void WriteMessage(Utf8JsonWriter writer, ChatMessage message)
    {
        writer.WriteStartObject();
        writer.WriteString("role", message.Role.Value);
        var result = message.Contents.OfType<FunctionResultContent>().FirstOrDefault();
        if (result is not null)
        {
            writer.WriteString("tool_call_id", result.CallId);
            writer.WriteString("content", Json.Result(result.Result));
        }
        else
        {
            var text = string.Concat(message.Contents.OfType<TextContent>().Select(t => t.Text));
            var calls = message.Contents.OfType<FunctionCallContent>().ToList();
            if (text.Length > 0 || calls.Count == 0)
            {
                writer.WriteString("content", text);
            }
            else
            {
                writer.WriteNull("content");
            }

            if (calls.Count > 0)
            {
                writer.WriteStartArray("tool_calls");
                foreach (var call in calls)
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", call.CallId);
                    writer.WriteString("type", "function");
                    writer.WriteStartObject("function");
                    writer.WriteString("name", call.Name);
                    writer.WriteString("arguments", Json.Arguments(call.Arguments));
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }
        }

        writer.WriteEndObject();
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
