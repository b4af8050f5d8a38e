using System.Text.Json;
using Microsoft.AspNetCore.Http;
using J = Keel.MockUpstream.OpenAiJson;

namespace Keel.MockUpstream;

/// <summary>
/// A streamed chat completion as OpenAI sends it: a role chunk, content deltas of a few words (or tool-call
/// deltas: id and name, then arguments in pieces), a finish chunk, a usage chunk when
/// <c>stream_options.include_usage</c> asked for one, then <c>data: [DONE]</c>.
/// </summary>
internal sealed class ChatCompletionStream
{
    private const int WordsPerDelta = 2;
    private const int ArgumentCharsPerDelta = 8;

    private readonly HttpContext _context;
    private readonly ChatRequest _request;
    private readonly MockAnswer _answer;
    private readonly ScenarioSpec _spec;
    private readonly CancellationToken _cancellationToken;
    private readonly string _id = MockIds.Next("chatcmpl-");
    private readonly long _created;
    private readonly bool _usage;

    public ChatCompletionStream(HttpContext context, ChatRequest request, MockAnswer answer, ScenarioSpec spec, long created, CancellationToken cancellationToken)
    {
        _context = context;
        _request = request;
        _answer = answer;
        _spec = spec;
        _created = created;
        _cancellationToken = cancellationToken;
        _usage = request.IncludeUsage && !spec.NoUsage;
    }

    public async Task WriteAsync()
    {
        using var sse = new SseWriter(_context, _spec, _cancellationToken);
        if (await sse.CutBeforeFirstEventAsync())
        {
            return;
        }

        if (_answer.IsToolCall)
        {
            for (var i = 0; i < _answer.ToolCalls.Count; i++)
            {
                var call = _answer.ToolCalls[i];
                var w = BeginChunk(sse);
                w.WriteStartObject(J.Delta);
                if (i == 0)
                {
                    w.WriteString(J.Role, J.Assistant);
                    w.WriteNull(J.Content);
                }

                w.WriteStartArray(J.ToolCalls);
                w.WriteStartObject();
                w.WriteNumber(J.Index, i);
                w.WriteString(J.Id, call.Id);
                w.WriteString(J.Type, J.Function);
                w.WriteStartObject(J.Function);
                w.WriteString(J.Name, call.Name);
                w.WriteString(J.Arguments, "");
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
                if (!await EndChunkAsync(sse, w))
                {
                    return;
                }

                for (var at = 0; at < call.Arguments.Length; at += ArgumentCharsPerDelta)
                {
                    w = BeginChunk(sse);
                    w.WriteStartObject(J.Delta);
                    w.WriteStartArray(J.ToolCalls);
                    w.WriteStartObject();
                    w.WriteNumber(J.Index, i);
                    w.WriteStartObject(J.Function);
                    w.WriteString(J.Arguments, call.Arguments.AsSpan(at, Math.Min(ArgumentCharsPerDelta, call.Arguments.Length - at)));
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndArray();
                    w.WriteEndObject();
                    if (!await EndChunkAsync(sse, w))
                    {
                        return;
                    }
                }
            }
        }
        else
        {
            var w = BeginChunk(sse);
            w.WriteStartObject(J.Delta);
            w.WriteString(J.Role, J.Assistant);
            w.WriteString(J.Content, "");
            w.WriteNull(J.Refusal);
            w.WriteEndObject();
            if (!await EndChunkAsync(sse, w))
            {
                return;
            }

            var words = _answer.Words;
            for (var at = 0; at < words.Count; at += WordsPerDelta)
            {
                // Each delta carries its leading space, so the deltas concatenate to the non-streamed text.
                var text = (at == 0 ? "" : " ") + string.Join(' ', words.Skip(at).Take(WordsPerDelta));
                w = BeginChunk(sse);
                w.WriteStartObject(J.Delta);
                w.WriteString(J.Content, text);
                w.WriteEndObject();
                if (!await EndChunkAsync(sse, w))
                {
                    return;
                }
            }
        }

        var finish = BeginChunk(sse);
        finish.WriteStartObject(J.Delta);
        finish.WriteEndObject();
        if (!await EndChunkAsync(sse, finish, J.FinishReasonOf(_answer)))
        {
            return;
        }

        if (_usage)
        {
            var w = sse.Begin();
            WriteEnvelope(w);
            w.WriteStartArray(J.Choices);
            w.WriteEndArray();
            J.WriteUsage(w, _request.PromptTokens, _answer.CompletionTokens);
            w.WriteEndObject();
            if (!await sse.SendAsync())
            {
                return;
            }
        }

        await sse.DoneAsync();
    }

    /// <summary>Opens a chunk with one choice; the caller writes the delta.</summary>
    private Utf8JsonWriter BeginChunk(SseWriter sse)
    {
        var w = sse.Begin();
        WriteEnvelope(w);
        w.WriteStartArray(J.Choices);
        w.WriteStartObject();
        w.WriteNumber(J.Index, 0);
        return w;
    }

    private ValueTask<bool> EndChunkAsync(SseWriter sse, Utf8JsonWriter w, JsonEncodedText? finishReason = null)
    {
        w.WriteNull(J.Logprobs);
        if (finishReason is { } reason)
        {
            w.WriteString(J.FinishReason, reason);
        }
        else
        {
            w.WriteNull(J.FinishReason);
        }

        w.WriteEndObject();
        w.WriteEndArray();
        if (_usage)
        {
            // OpenAI puts "usage": null on every chunk but the last once include_usage is on.
            w.WriteNull(J.Usage);
        }

        w.WriteEndObject();
        return sse.SendAsync();
    }

    private void WriteEnvelope(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString(J.Id, _id);
        w.WriteString(J.Object, J.ChatCompletionChunk);
        w.WriteNumber(J.Created, _created);
        w.WriteString(J.Model, _request.Model);
        w.WriteString(J.ServiceTier, J.Default);
        w.WriteString(J.SystemFingerprint, J.Fingerprint);
    }
}
