using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Keel.MockUpstream;

/// <summary>
/// Writes server-sent events straight into the response pipe: <see cref="Begin"/> frames an event and hands out
/// a JSON writer for its data, <see cref="SendAsync"/> closes and flushes it, so each event leaves at once.
/// Applies the scenario's chunk-delay between events and its cut-after.
/// </summary>
internal sealed class SseWriter : IDisposable
{
    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;
    private static ReadOnlySpan<byte> EventPrefix => "event: "u8;
    private static ReadOnlySpan<byte> NewLine => "\n"u8;
    private static ReadOnlySpan<byte> EventEnd => "\n\n"u8;
    private static ReadOnlySpan<byte> Done => "data: [DONE]\n\n"u8;

    private readonly HttpContext _context;
    private readonly ScenarioSpec _spec;
    private readonly CancellationToken _cancellationToken;
    private readonly PipeWriter _pipe;
    private readonly Utf8JsonWriter _json;
    private int _sent;

    public SseWriter(HttpContext context, ScenarioSpec spec, CancellationToken cancellationToken)
    {
        _context = context;
        _spec = spec;
        _cancellationToken = cancellationToken;
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        _pipe = response.BodyWriter;
        _json = new Utf8JsonWriter(_pipe, MockJson.WriterOptions);
    }

    public Utf8JsonWriter Begin(string? eventName = null)
    {
        if (eventName is not null)
        {
            _pipe.Write(EventPrefix);
            Encoding.UTF8.GetBytes(eventName, _pipe);
            _pipe.Write(NewLine);
        }

        _pipe.Write(DataPrefix);
        _json.Reset(_pipe);
        return _json;
    }

    /// <summary>Sends the event begun last (after chunk-delay); false once cut-after has cut the connection.</summary>
    public async ValueTask<bool> SendAsync()
    {
        if (_spec.ChunkDelayMs > 0 && _sent > 0)
        {
            await Task.Delay(_spec.ChunkDelayMs, _cancellationToken);
        }

        _json.Flush();
        _pipe.Write(EventEnd);
        _sent++;
        await _pipe.FlushAsync(_cancellationToken);
        if (_spec.CutAfter is { } cut && _sent >= cut)
        {
            await ConnectionCut.AbortAsync(_context);
            return false;
        }

        return true;
    }

    /// <summary>For cut-after=0: sends the 200 head, then drops the connection before any event; true if it did.</summary>
    public async ValueTask<bool> CutBeforeFirstEventAsync()
    {
        if (_spec.CutAfter != 0)
        {
            return false;
        }

        await _pipe.FlushAsync(_cancellationToken);
        await ConnectionCut.AbortAsync(_context);
        return true;
    }

    public async ValueTask DoneAsync()
    {
        _pipe.Write(Done);
        await _pipe.FlushAsync(_cancellationToken);
    }

    public void Dispose() => _json.Dispose();
}
