using System.Runtime.InteropServices;

namespace Keel.Threading;

/// <summary>
/// Lowers the calling thread's scheduling priority, for threads that do deferred work (recording steps, checkpointing
/// the store) beside request threads on a small machine. On Linux <see cref="Thread.Priority"/> does nothing (the
/// default scheduler ignores static priorities; dotnet/runtime#91165), but the per-thread nice value counts, so the
/// thread's nice is raised with <c>setpriority(PRIO_PROCESS, tid, …)</c>. Elsewhere the managed priority is used.
/// </summary>
public static class BackgroundThreadPriority
{
    /// <summary>Nice 10 weighs about a tenth of a nice-0 thread when both want the CPU, and the same when it is idle.</summary>
    public const int Nice = 10;

    private const int PrioProcess = 0;

    /// <summary>Lowers the calling thread's priority; false (with the errno, -1 when libc lacks gettid) when it could not.</summary>
    public static bool TryLowerCurrentThread(out int errno)
    {
        errno = 0;
        if (!OperatingSystem.IsLinux())
        {
            Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
            return true;
        }

        try
        {
            if (setpriority(PrioProcess, gettid(), Nice) == 0)
            {
                return true;
            }

            errno = Marshal.GetLastPInvokeError();
            return false;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            errno = -1; // a libc without gettid (before glibc 2.30): the thread runs at normal priority
            return false;
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, int who, int prio);

    [DllImport("libc")]
    private static extern int gettid();
}
