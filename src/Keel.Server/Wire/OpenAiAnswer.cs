using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Keel.Server.Wire;

/// <summary>What the journal keeps of an OpenAI <c>chat.completion</c> answer, read in one forward pass (no document tree).</summary>
/// <param name="Message">The first choice's message as the upstream wrote it: the step's recorded result.</param>
public sealed record OpenAiAnswer(string? Id, string? Model, string? FinishReason, string Message, UsageDetails? Usage)
{
    private const string EmptyMessage = "{\"role\":\"assistant\",\"content\":\"\"}";

    /// <exception cref="JsonException">The answer is not JSON, or not an object.</exception>
    public static OpenAiAnswer Read(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("the answer is not a JSON object.");
        }

        string? id = null, model = null, finish = null, message = null;
        UsageDetails? usage = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                id = String(ref reader);
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                model = String(ref reader);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                usage = reader.TokenType == JsonTokenType.StartObject ? ReadUsage(ref reader) : null;
            }
            else if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                for (var first = true; reader.Read() && reader.TokenType != JsonTokenType.EndArray; first = false)
                {
                    if (first && reader.TokenType == JsonTokenType.StartObject)
                    {
                        (message, finish) = FirstChoice(ref reader, body);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        while (reader.Read())
        {
            // nothing may follow the object; the reader throws if anything does
        }

        return new OpenAiAnswer(id, model, finish, message ?? EmptyMessage, usage);
    }

    /// <summary>An OpenAI <c>usage</c> object; the reader is on its start and is left on its end.</summary>
    public static UsageDetails ReadUsage(ref Utf8JsonReader reader)
    {
        var usage = new UsageDetails();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                usage.InputTokenCount = Long(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                usage.OutputTokenCount = Long(ref reader);
            }
            else if (reader.ValueTextEquals("total_tokens"u8))
            {
                usage.TotalTokenCount = Long(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("cached_tokens"u8))
                    {
                        usage.CachedInputTokenCount = Long(ref reader);
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return usage;
    }

    private static (string? Message, string? Finish) FirstChoice(ref Utf8JsonReader reader, byte[] body)
    {
        string? message = null, finish = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                message = Encoding.UTF8.GetString(body, start, (int)reader.BytesConsumed - start);
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                finish = String(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return (message, finish);
    }

    private static string? String(ref Utf8JsonReader reader)
    {
        reader.Read();
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        reader.Skip();
        return text;
    }

    private static long? Long(ref Utf8JsonReader reader)
    {
        reader.Read();
        var value = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var n) ? n : (long?)null;
        reader.Skip();
        return value;
    }
}
