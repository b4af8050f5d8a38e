using System.Buffers;
using System.Text;

namespace Keel.Server.Wire;

/// <summary>
/// Assembles a JSON body from pieces of other bodies into a pooled buffer, so that a rewritten request costs one
/// array of its exact size. Sized up front: a body only ever grows by what is appended.
/// </summary>
internal sealed class Utf8Builder(int capacity) : IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(capacity);
    private int _length;

    public Utf8Builder Append(byte value)
    {
        Ensure(1);
        _buffer[_length++] = value;
        return this;
    }

    public Utf8Builder Append(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
        return this;
    }

    /// <summary>A comma, unless this is an object's first member.</summary>
    public Utf8Builder Separate() => _length > 0 && _buffer[_length - 1] != (byte)'{' ? Append((byte)',') : this;

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    public string ToUtf16() => Encoding.UTF8.GetString(_buffer, 0, _length);

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void Ensure(int more)
    {
        if (_length + more > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
            _buffer.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }
}
