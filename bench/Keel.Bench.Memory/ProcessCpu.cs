using System.Runtime.InteropServices;

namespace Keel.Bench.Memory;

/// <summary>
/// The process's CPU time in nanoseconds (<c>clock_gettime(CLOCK_PROCESS_CPUTIME_ID)</c>): on a machine other
/// engineers load, CPU per search says what a search costs, wall time what it took while waiting for a core.
/// </summary>
internal static partial class ProcessCpu
{
    private const int ClockProcessCpuTimeId = 2;

    public static double Millis()
    {
        if (!OperatingSystem.IsLinux())
        {
            return double.NaN;
        }

        _ = ClockGetTime(ClockProcessCpuTimeId, out var time);
        return (time.Seconds * 1e3) + (time.Nanoseconds / 1e6);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec time);
}
