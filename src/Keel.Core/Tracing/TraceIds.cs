using System.Security.Cryptography;

namespace Keel.Tracing;

/// <summary>W3C trace-context identifiers: 16-byte trace ids and 8-byte span ids, as lower-case hex.</summary>
public static class TraceIds
{
    public static string NewTraceId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public static string NewSpanId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    /// <summary>
    /// A task's trace id and root span id, derived from its id: every run of a task (a resume after a crash, a
    /// wake after a timer) adds to the same trace.
    /// </summary>
    public static (string TraceId, string RootSpanId) ForTask(string taskId)
    {
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(taskId));
        return (Convert.ToHexStringLower(hash.AsSpan(0, 16)), Convert.ToHexStringLower(hash.AsSpan(16, 8)));
    }
}
