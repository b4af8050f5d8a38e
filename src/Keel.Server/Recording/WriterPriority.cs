using Keel.Threading;
using Microsoft.Extensions.Logging;

namespace Keel.Server.Recording;

/// <summary>Runs the step writer at low priority (<see cref="BackgroundThreadPriority"/>), saying so when it cannot.</summary>
internal static partial class WriterPriority
{
    public static void Lower(ILogger logger)
    {
        if (!BackgroundThreadPriority.TryLowerCurrentThread(out var errno))
        {
            LogNotLowered(logger, errno);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not lower the step writer's priority (errno {Errno}); it runs at normal priority.")]
    private static partial void LogNotLowered(ILogger logger, int errno);
}
