namespace Keel.MockUpstream.Tests;

/// <summary>
/// .NET timers run off a coarse clock, so a <c>Task.Delay(ms)</c> may end a fraction of a millisecond
/// before the stopwatch says <c>ms</c> have passed (CI saw 150 ms of latency measured as just under 150).
/// Timing assertions allow 10 % of slack below the requested delay, no more.
/// </summary>
internal static class TimerSlack
{
    public static TimeSpan AtLeast(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds * 0.9);
}
