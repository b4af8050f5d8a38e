using System.Buffers;
using System.Text;
using System.Text.Json;
using Keel.Server.Wire;
using Microsoft.Extensions.AI;

namespace Keel.Server.Upstreams;

/// <summary>
/// Reassembles a streamed answer from its OpenAI chunks: the text, the tool calls (whose arguments arrive in
/// pieces), the finish reason and the usage, for the journal's record of the step.
/// </summary>
public sealed class StreamAccumulator
{
    private readonly StringBuilder _content = new();
    private readonly SortedDictionary<int, ToolCallParts> _toolCalls = [];

    public string? ResponseId { get; private set; }
    public string? FinishReason { get; private set; }
    public UsageDetails? Usage { get; private set; }

    /// <summary>Reads one chunk. Returns true when it carries only usage (choices empty): the chunk a client may not have asked for.</summary>
    public bool Add(byte[] chunk)
    {
        using var document = JsonDocument.Parse(chunk);
        var root = document.RootElement;
        if (root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
        {
            ResponseId ??= id.GetString();
        }

        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            Usage = ReadUsage(usage);
        }

        if (!root.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
        {
            return Usage is not null;
        }

        var choice = choices[0];
        if (choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String)
        {
            FinishReason = finish.GetString();
        }

        if (!choice.TryGetProperty("delta", out var delta))
        {
            return false;
        }

        if (delta.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
        {
            _content.Append(content.GetString());
        }

        if (delta.TryGetProperty("tool_calls", out var calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (var call in calls.EnumerateArray())
            {
                var index = call.TryGetProperty("index", out var i) ? i.GetInt32() : _toolCalls.Count;
                if (!_toolCalls.TryGetValue(index, out var parts))
                {
                    _toolCalls[index] = parts = new ToolCallParts();
                }

                if (call.TryGetProperty("id", out var callId) && callId.ValueKind == JsonValueKind.String)
                {
                    parts.Id = callId.GetString();
                }

                if (call.TryGetProperty("function", out var function))
                {
                    if (function.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
                    {
                        parts.Name += name.GetString();
                    }

                    if (function.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.String)
                    {
                        parts.Arguments.Append(arguments.GetString());
                    }
                }
            }
        }

        return false;
    }

    /// <summary>The assembled assistant message, in the journal's OpenAI-shaped form.</summary>
    public string ResultMessage()
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WireJson.Options))
        {
            writer.WriteStartObject();
            writer.WriteString("role", "assistant");
            if (_content.Length == 0 && _toolCalls.Count > 0)
            {
                writer.WriteNull("content");
            }
            else
            {
                writer.WriteString("content", _content.ToString());
            }

            if (_toolCalls.Count > 0)
            {
                writer.WriteStartArray("tool_calls");
                foreach (var call in _toolCalls.Values)
                {
                    writer.WriteStartObject();
                    writer.WriteString("id", call.Id);
                    writer.WriteString("type", "function");
                    writer.WriteStartObject("function");
                    writer.WriteString("name", call.Name);
                    writer.WriteString("arguments", call.Arguments.ToString());
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Everything generated so far (text, tool names and arguments), for counting output tokens when an upstream reports no usage.</summary>
    public string OutputText => string.Concat(_toolCalls.Values.Select(c => c.Name + c.Arguments)) + _content;

    public static UsageDetails ReadUsage(JsonElement usage)
    {
        long? Read(JsonElement parent, string name) => parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
        var details = new UsageDetails
        {
            InputTokenCount = Read(usage, "prompt_tokens"),
            OutputTokenCount = Read(usage, "completion_tokens"),
            TotalTokenCount = Read(usage, "total_tokens"),
        };
        if (usage.TryGetProperty("prompt_tokens_details", out var prompt) && prompt.ValueKind == JsonValueKind.Object)
        {
            details.CachedInputTokenCount = Read(prompt, "cached_tokens");
        }

        return details;
    }

    private sealed class ToolCallParts
    {
        public string? Id { get; set; }
        public string Name { get; set; } = "";
        public StringBuilder Arguments { get; } = new();
    }
}
