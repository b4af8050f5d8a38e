using System.Security.Cryptography;

namespace Keel.Tracing;

/// <summary>W3C trace-context identifiers: 16-byte trace ids and 8-byte span ids, as lower-case hex.</summary>
public static class TraceIds
{
    public static string NewTraceId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string NewSpanId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
