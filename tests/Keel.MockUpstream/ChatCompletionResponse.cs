using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using J = Keel.MockUpstream.OpenAiJson;

namespace Keel.MockUpstream;

/// <summary>A non-streamed <c>chat.completion</c>, exactly in OpenAI's shape.</summary>
internal static class ChatCompletionResponse
{
    public static async Task WriteAsync(HttpContext context, ChatRequest request, MockAnswer answer, ScenarioSpec spec, long created)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, MockJson.WriterOptions))
        {
            Write(writer, request, answer, includeUsage: !spec.NoUsage, created);
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        if (spec.CutAfter is not null)
        {
            // A non-streamed cut: the head promises the whole body, half of it arrives, then the connection drops.
            response.ContentLength = buffer.WrittenCount;
            await response.Body.WriteAsync(buffer.WrittenMemory[..(buffer.WrittenCount / 2)], context.RequestAborted);
            await response.Body.FlushAsync(context.RequestAborted);
            await ConnectionCut.AbortAsync(context);
            return;
        }

        response.ContentLength = buffer.WrittenCount;
        await response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    private static void Write(Utf8JsonWriter writer, ChatRequest request, MockAnswer answer, bool includeUsage, long created)
    {
        writer.WriteStartObject();
        writer.WriteString(J.Id, MockIds.Next("chatcmpl-"));
        writer.WriteString(J.Object, J.ChatCompletion);
        writer.WriteNumber(J.Created, created);
        writer.WriteString(J.Model, request.Model);
        writer.WriteStartArray(J.Choices);
        writer.WriteStartObject();
        writer.WriteNumber(J.Index, 0);
        writer.WriteStartObject(J.Message);
        writer.WriteString(J.Role, J.Assistant);
        if (answer.IsToolCall)
        {
            writer.WriteNull(J.Content);
            writer.WriteStartArray(J.ToolCalls);
            foreach (var call in answer.ToolCalls)
            {
                writer.WriteStartObject();
                writer.WriteString(J.Id, call.Id);
                writer.WriteString(J.Type, J.Function);
                writer.WriteStartObject(J.Function);
                writer.WriteString(J.Name, call.Name);
                writer.WriteString(J.Arguments, call.Arguments);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }
        else
        {
            writer.WriteString(J.Content, answer.Text);
        }

        writer.WriteNull(J.Refusal);
        writer.WriteStartArray(J.Annotations);
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteNull(J.Logprobs);
        writer.WriteString(J.FinishReason, J.FinishReasonOf(answer));
        writer.WriteEndObject();
        writer.WriteEndArray();
        if (includeUsage)
        {
            J.WriteUsage(writer, request.PromptTokens, answer.CompletionTokens);
        }

        writer.WriteString(J.ServiceTier, J.Default);
        writer.WriteString(J.SystemFingerprint, J.Fingerprint);
        writer.WriteEndObject();
    }
}
