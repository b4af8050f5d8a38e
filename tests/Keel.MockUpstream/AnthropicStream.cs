using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Keel.MockUpstream;

/// <summary>
/// A streamed Anthropic message: message_start, then per content block content_block_start, its deltas
/// (text_delta or input_json_delta) and content_block_stop (a ping after the first start, as the API sends),
/// then message_delta with stop_reason and output_tokens, then message_stop.
/// </summary>
internal sealed class AnthropicStream
{
    private const int WordsPerDelta = 2;
    private const int JsonCharsPerDelta = 8;

    private readonly HttpContext _context;
    private readonly AnthropicRequest _request;
    private readonly MockAnswer _answer;
    private readonly ScenarioSpec _spec;
    private readonly CancellationToken _cancellationToken;

    public AnthropicStream(HttpContext context, AnthropicRequest request, MockAnswer answer, ScenarioSpec spec, CancellationToken cancellationToken)
    {
        _context = context;
        _request = request;
        _answer = answer;
        _spec = spec;
        _cancellationToken = cancellationToken;
    }

    public async Task WriteAsync()
    {
        using var sse = new SseWriter(_context, _spec, _cancellationToken);
        if (await sse.CutBeforeFirstEventAsync())
        {
            return;
        }

        var w = sse.Begin("message_start");
        w.WriteStartObject();
        w.WriteString("type", "message_start");
        w.WriteStartObject("message");
        w.WriteString("id", MockIds.Next("msg_"));
        w.WriteString("type", "message");
        w.WriteString("role", "assistant");
        w.WriteString("model", _request.Model);
        w.WriteStartArray("content");
        w.WriteEndArray();
        w.WriteNull("stop_reason");
        w.WriteNull("stop_sequence");
        if (!_spec.NoUsage)
        {
            AnthropicResponse.WriteUsage(w, _request.InputTokens, 1);
        }

        w.WriteEndObject();
        w.WriteEndObject();
        if (!await sse.SendAsync())
        {
            return;
        }

        if (_answer.IsToolCall)
        {
            for (var i = 0; i < _answer.ToolCalls.Count; i++)
            {
                var call = _answer.ToolCalls[i];
                w = BeginBlock(sse, i);
                w.WriteString("type", "tool_use");
                w.WriteString("id", call.Id);
                w.WriteString("name", call.Name);
                w.WriteStartObject("input");
                w.WriteEndObject();
                if (!await EndBlockStartAsync(sse, w, i))
                {
                    return;
                }

                for (var at = 0; at < call.Arguments.Length; at += JsonCharsPerDelta)
                {
                    w = BeginDelta(sse, i, "input_json_delta");
                    w.WriteString("partial_json", call.Arguments.AsSpan(at, Math.Min(JsonCharsPerDelta, call.Arguments.Length - at)));
                    if (!await EndDeltaAsync(sse, w))
                    {
                        return;
                    }
                }

                if (!await StopBlockAsync(sse, i))
                {
                    return;
                }
            }
        }
        else
        {
            w = BeginBlock(sse, 0);
            w.WriteString("type", "text");
            w.WriteString("text", "");
            if (!await EndBlockStartAsync(sse, w, 0))
            {
                return;
            }

            var words = _answer.Words;
            for (var at = 0; at < words.Count; at += WordsPerDelta)
            {
                w = BeginDelta(sse, 0, "text_delta");
                w.WriteString("text", (at == 0 ? "" : " ") + string.Join(' ', words.Skip(at).Take(WordsPerDelta)));
                if (!await EndDeltaAsync(sse, w))
                {
                    return;
                }
            }

            if (!await StopBlockAsync(sse, 0))
            {
                return;
            }
        }

        w = sse.Begin("message_delta");
        w.WriteStartObject();
        w.WriteString("type", "message_delta");
        w.WriteStartObject("delta");
        w.WriteString("stop_reason", AnthropicResponse.StopReason(_answer));
        w.WriteNull("stop_sequence");
        w.WriteEndObject();
        if (!_spec.NoUsage)
        {
            w.WriteStartObject("usage");
            w.WriteNumber("output_tokens", _answer.CompletionTokens);
            w.WriteEndObject();
        }

        w.WriteEndObject();
        if (!await sse.SendAsync())
        {
            return;
        }

        w = sse.Begin("message_stop");
        w.WriteStartObject();
        w.WriteString("type", "message_stop");
        w.WriteEndObject();
        await sse.SendAsync();
    }

    private static Utf8JsonWriter BeginBlock(SseWriter sse, int index)
    {
        var w = sse.Begin("content_block_start");
        w.WriteStartObject();
        w.WriteString("type", "content_block_start");
        w.WriteNumber("index", index);
        w.WriteStartObject("content_block");
        return w;
    }

    private static async ValueTask<bool> EndBlockStartAsync(SseWriter sse, Utf8JsonWriter w, int index)
    {
        w.WriteEndObject();
        w.WriteEndObject();
        if (!await sse.SendAsync())
        {
            return false;
        }

        if (index > 0)
        {
            return true;
        }

        w = sse.Begin("ping");
        w.WriteStartObject();
        w.WriteString("type", "ping");
        w.WriteEndObject();
        return await sse.SendAsync();
    }

    private static Utf8JsonWriter BeginDelta(SseWriter sse, int index, string type)
    {
        var w = sse.Begin("content_block_delta");
        w.WriteStartObject();
        w.WriteString("type", "content_block_delta");
        w.WriteNumber("index", index);
        w.WriteStartObject("delta");
        w.WriteString("type", type);
        return w;
    }

    private static ValueTask<bool> EndDeltaAsync(SseWriter sse, Utf8JsonWriter w)
    {
        w.WriteEndObject();
        w.WriteEndObject();
        return sse.SendAsync();
    }

    private static ValueTask<bool> StopBlockAsync(SseWriter sse, int index)
    {
        var w = sse.Begin("content_block_stop");
        w.WriteStartObject();
        w.WriteString("type", "content_block_stop");
        w.WriteNumber("index", index);
        w.WriteEndObject();
        return sse.SendAsync();
    }
}
