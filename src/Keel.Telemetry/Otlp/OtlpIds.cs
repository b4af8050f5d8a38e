using Google.Protobuf;

namespace Keel.Telemetry.Otlp;

/// <summary>
/// Trace and span ids between Keel's form (lower-case hex, as W3C trace context writes them) and OTLP's (raw bytes:
/// 16 for a trace, 8 for a span). An id of the wrong length or all zeros is invalid in OTLP.
/// </summary>
public static class OtlpIds
{
    public const int TraceIdBytes = 16;
    public const int SpanIdBytes = 8;

    /// <summary>The bytes of a hex id; empty for null (no parent).</summary>
    /// <exception cref="FormatException">The id is not hex.</exception>
    public static ByteString FromHex(string? hex) =>
        string.IsNullOrEmpty(hex) ? ByteString.Empty : UnsafeByteOperations.UnsafeWrap(Convert.FromHexString(hex));

    /// <summary>The lower-case hex of an id; null for an empty one.</summary>
    public static string? ToHex(ByteString id) => id.IsEmpty ? null : Convert.ToHexStringLower(id.Span);

    /// <summary>True for an id OTLP accepts: the right length and not all zeros.</summary>
    public static bool IsValid(ByteString id, int length) => id.Length == length && id.Span.IndexOfAnyExcept((byte)0) >= 0;

    /// <summary>True for a hex id Keel can send: <paramref name="bytes"/> bytes of hex, not all zeros.</summary>
    public static bool IsValidHex(string? hex, int bytes) =>
        hex is not null && hex.Length == bytes * 2 && hex.AsSpan().IndexOfAnyExcept('0') >= 0
        && hex.All(c => char.IsAsciiHexDigit(c));

    /// <summary>Nanoseconds since the Unix epoch, OTLP's clock.</summary>
    public static ulong UnixNanos(DateTimeOffset time) => (ulong)(time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    public static DateTimeOffset FromUnixNanos(ulong nanos) =>
        DateTimeOffset.UnixEpoch.AddTicks((long)Math.Min(nanos / 100, (ulong)(DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks)));
}
