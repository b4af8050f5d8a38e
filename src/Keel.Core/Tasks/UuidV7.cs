using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Keel.Tasks;

/// <summary>
/// Version 7 UUIDs (RFC 9562: 48 bits of Unix milliseconds, the version, then 74 random bits), the layout of
/// <see cref="Guid.CreateVersion7()"/>, which reads /dev/urandom for every id: a system call on every gateway call
/// (about 1 % of its CPU). Here the random bits come from a per-thread buffer of cryptographically random bytes, one
/// fill for 64 ids; no byte serves twice.
/// </summary>
internal static class UuidV7
{
    private const int RandomBytesPerId = 10; // bytes 6-15; the version and variant bits overwrite 6 of their bits
    private const int IdsPerFill = 64;

    [ThreadStatic]
    private static byte[]? t_random;

    [ThreadStatic]
    private static int t_next;

    public static Guid Create(DateTimeOffset timestamp)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(bytes, timestamp.ToUnixTimeMilliseconds() << 16); // bytes 0-5; 6-7 are replaced next
        NextRandom().CopyTo(bytes[6..]);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // variant 10
        return new Guid(bytes, bigEndian: true);
    }

    private static ReadOnlySpan<byte> NextRandom()
    {
        var buffer = t_random ??= new byte[RandomBytesPerId * IdsPerFill];
        if (t_next == 0)
        {
            RandomNumberGenerator.Fill(buffer);
        }

        var random = buffer.AsSpan(t_next * RandomBytesPerId, RandomBytesPerId);
        t_next = (t_next + 1) % IdsPerFill;
        return random;
    }
}
