using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Keel.Server.Recording;

/// <summary>
/// Lowers the calling thread's scheduling priority. On Linux <see cref="Thread.Priority"/> does nothing (the default
/// scheduler ignores static priorities; dotnet/runtime#91165), but the per-thread nice value counts, so the thread's
/// nice is raised with <c>setpriority(PRIO_PROCESS, tid, …)</c>. Elsewhere the managed priority is used.
/// </summary>
internal static partial class WriterPriority
{
    /// <summary>Nice 10 weighs about a tenth of a nice-0 thread when both want the CPU, and the same when it is idle.</summary>
    public const int Nice = 10;

    private const int PrioProcess = 0;

    public static void Lower(ILogger logger)
    {
        if (!OperatingSystem.IsLinux())
        {
            Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
            return;
        }

        try
        {
            if (setpriority(PrioProcess, gettid(), Nice) != 0)
            {
                LogNotLowered(logger, Marshal.GetLastPInvokeError());
            }
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            LogNotLowered(logger, -1); // a libc without gettid (before glibc 2.30): the writer runs at normal priority
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);

    [DllImport("libc")]
    private static extern int gettid();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not lower the step writer's priority (errno {Errno}); it runs at normal priority.")]
    private static partial void LogNotLowered(ILogger logger, int errno);
}
