using System.Globalization;

namespace Keel.MockUpstream;

/// <summary>Ids in each API's style, from a process-wide counter: unique, cheap, and readable in test failures.</summary>
internal static class MockIds
{
    private static long _next;

    public static string Next(string prefix) =>
        prefix + "mock" + Interlocked.Increment(ref _next).ToString("x12", CultureInfo.InvariantCulture);
}
