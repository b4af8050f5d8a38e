using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keel.Server.Hosting;

/// <summary>
/// Runs the host's worker pool (<see cref="KeelServerOptions.Workers"/>) for the server's lifetime. On shutdown the
/// pool is cancelled and hands its running tasks back to the queue; a pool that fails is logged, and the gateway and
/// dashboard go on serving.
/// </summary>
internal sealed partial class ServerWorkerPool(KeelServerWorkers workers, ILogger<ServerWorkerPool> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield(); // start the server without waiting for the pool's first claim
        try
        {
            await workers.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The worker pool stopped: approvals and replays started in the dashboard will not run until a `keel worker` runs them.")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
