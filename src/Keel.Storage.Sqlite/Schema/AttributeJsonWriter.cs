using System.Buffers;
using System.Text.Json;

namespace Keel.Storage.Sqlite.Schema;

/// <summary>
/// Writes span attributes as <see cref="AttributeJson"/> does, into one buffer reused from span to span, and hands
/// out the UTF-8 bytes to bind as they are: the JSON is never turned into a string only to be encoded back. Not
/// thread-safe; the span returned is valid until the next <see cref="Write"/>.
/// </summary>
internal sealed class AttributeJsonWriter : IDisposable
{
    private const int MaxKeptCapacity = 64 * 1024; // a rare huge span does not pin its buffer for the writer's life

    private ArrayBufferWriter<byte> _buffer = new(1024);
    private Utf8JsonWriter? _writer;

    public ReadOnlySpan<byte> Write(IReadOnlyDictionary<string, object?> attributes)
    {
        if (_buffer.Capacity > MaxKeptCapacity)
        {
            _buffer = new ArrayBufferWriter<byte>(1024);
            _writer?.Dispose();
            _writer = null;
        }

        _buffer.ResetWrittenCount();
        if (_writer is null)
        {
            _writer = new Utf8JsonWriter(_buffer);
        }
        else
        {
            _writer.Reset(_buffer);
        }

        AttributeJson.WriteObject(_writer, attributes);
        return _buffer.WrittenSpan;
    }

    public void Dispose() => _writer?.Dispose();
}
