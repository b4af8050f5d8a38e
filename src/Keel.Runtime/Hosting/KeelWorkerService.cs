using Keel.Workers;
using Microsoft.Extensions.Hosting;

namespace Keel.Hosting;

/// <summary>A host's worker pool: runs from the host's start until its stop, then waits for its tasks to hand back.</summary>
internal sealed class KeelWorkerService(TaskWorkerPool pool) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => pool.RunAsync(stoppingToken);
}
