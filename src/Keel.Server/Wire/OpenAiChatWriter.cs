using System.Buffers;
using System.Text.Json;
using Keel.Context;
using Microsoft.Extensions.AI;

namespace Keel.Server.Wire;

/// <summary>Writes Microsoft.Extensions.AI responses in OpenAI's wire shapes: a chat.completion, or chunks of one.</summary>
public static class OpenAiChatWriter
{
    public static byte[] Completion(ChatResponse response, string model, TimeProvider time)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WireJson.Options))
        {
            writer.WriteStartObject();
            writer.WriteString("id", response.ResponseId ?? NewId());
            writer.WriteString("object", "chat.completion");
            writer.WriteNumber("created", (response.CreatedAt ?? time.GetUtcNow()).ToUnixTimeSeconds());
            writer.WriteString("model", response.ModelId ?? model);
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("message");
            writer.WriteString("role", "assistant");
            var message = response.Messages.LastOrDefault() ?? new ChatMessage(ChatRole.Assistant, "");
            var text = message.Text;
            var calls = message.Contents.OfType<FunctionCallContent>().ToList();
            if (text.Length == 0 && calls.Count > 0)
            {
                writer.WriteNull("content");
            }
            else
            {
                writer.WriteString("content", text);
            }

            writer.WriteNull("refusal");
            if (calls.Count > 0)
            {
                writer.WriteStartArray("tool_calls");
                foreach (var call in calls)
                {
                    WriteToolCall(writer, call, index: null);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.WriteNull("logprobs");
            writer.WriteString("finish_reason", FinishReason(response.FinishReason));
            writer.WriteEndObject();
            writer.WriteEndArray();
            WriteUsage(writer, response.Usage);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>One <c>chat.completion.chunk</c> for a streamed update; the first carries the role.</summary>
    public static byte[] Chunk(ChatResponseUpdate update, string id, string model, long created, bool first, ref int toolIndex)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WireJson.Options))
        {
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteString("object", "chat.completion.chunk");
            writer.WriteNumber("created", created);
            writer.WriteString("model", update.ModelId ?? model);
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("delta");
            if (first)
            {
                writer.WriteString("role", "assistant");
            }

            var text = string.Concat(update.Contents.OfType<TextContent>().Select(t => t.Text));
            if (text.Length > 0 || first)
            {
                writer.WriteString("content", text);
            }

            var calls = update.Contents.OfType<FunctionCallContent>().ToList();
            if (calls.Count > 0)
            {
                writer.WriteStartArray("tool_calls");
                foreach (var call in calls)
                {
                    WriteToolCall(writer, call, toolIndex++);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.WriteNull("logprobs");
            if (update.FinishReason is { } finish)
            {
                writer.WriteString("finish_reason", FinishReason(finish));
            }
            else
            {
                writer.WriteNull("finish_reason");
            }

            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The final usage-only chunk (<c>choices: []</c>) that <c>stream_options.include_usage</c> asks for.</summary>
    public static byte[] UsageChunk(UsageDetails usage, string id, string model, long created)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WireJson.Options))
        {
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteString("object", "chat.completion.chunk");
            writer.WriteNumber("created", created);
            writer.WriteString("model", model);
            writer.WriteStartArray("choices");
            writer.WriteEndArray();
            WriteUsage(writer, usage);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static string NewId() => $"chatcmpl-keel{Guid.CreateVersion7():N}";

    public static string FinishReason(ChatFinishReason? reason) =>
        reason == ChatFinishReason.ToolCalls ? "tool_calls"
        : reason == ChatFinishReason.Length ? "length"
        : reason == ChatFinishReason.ContentFilter ? "content_filter"
        : "stop";

    private static void WriteToolCall(Utf8JsonWriter writer, FunctionCallContent call, int? index)
    {
        writer.WriteStartObject();
        if (index is { } i)
        {
            writer.WriteNumber("index", i);
        }

        writer.WriteString("id", call.CallId);
        writer.WriteString("type", "function");
        writer.WriteStartObject("function");
        writer.WriteString("name", call.Name);
        writer.WriteString("arguments", Json.Arguments(call.Arguments));
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter writer, UsageDetails? usage)
    {
        if (usage is null)
        {
            return;
        }

        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", usage.InputTokenCount ?? 0);
        writer.WriteNumber("completion_tokens", usage.OutputTokenCount ?? 0);
        writer.WriteNumber("total_tokens", usage.TotalTokenCount ?? ((usage.InputTokenCount ?? 0) + (usage.OutputTokenCount ?? 0)));
        if (usage.CachedInputTokenCount is { } cached)
        {
            writer.WriteStartObject("prompt_tokens_details");
            writer.WriteNumber("cached_tokens", cached);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }
}
