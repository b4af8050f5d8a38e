using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Keel.MockUpstream;

/// <summary>A non-streamed Anthropic <c>message</c>: a text block, or one tool_use block per tool called.</summary>
internal static class AnthropicResponse
{
    public static async Task WriteAsync(HttpContext context, AnthropicRequest request, MockAnswer answer, ScenarioSpec spec)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, MockJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("id", MockIds.Next("msg_"));
            writer.WriteString("type", "message");
            writer.WriteString("role", "assistant");
            writer.WriteString("model", request.Model);
            writer.WriteStartArray("content");
            if (answer.IsToolCall)
            {
                foreach (var call in answer.ToolCalls)
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", "tool_use");
                    writer.WriteString("id", call.Id);
                    writer.WriteString("name", call.Name);
                    writer.WritePropertyName("input");
                    writer.WriteRawValue(call.Arguments, skipInputValidation: true);
                    writer.WriteEndObject();
                }
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteString("type", "text");
                writer.WriteString("text", answer.Text);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("stop_reason", StopReason(answer));
            writer.WriteNull("stop_sequence");
            if (!spec.NoUsage)
            {
                WriteUsage(writer, request.InputTokens, answer.CompletionTokens);
            }

            writer.WriteEndObject();
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.ContentLength = buffer.WrittenCount;
        if (spec.CutAfter is not null)
        {
            await response.Body.WriteAsync(buffer.WrittenMemory[..(buffer.WrittenCount / 2)], context.RequestAborted);
            await response.Body.FlushAsync(context.RequestAborted);
            await ConnectionCut.AbortAsync(context);
            return;
        }

        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    public static string StopReason(MockAnswer answer) =>
        answer.IsToolCall ? "tool_use" : answer.Truncated ? "max_tokens" : "end_turn";

    public static void WriteUsage(Utf8JsonWriter writer, int inputTokens, int outputTokens)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("input_tokens", inputTokens);
        writer.WriteNumber("cache_creation_input_tokens", 0);
        writer.WriteNumber("cache_read_input_tokens", 0);
        writer.WriteNumber("output_tokens", outputTokens);
        writer.WriteEndObject();
    }
}
