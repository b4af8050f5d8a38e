using Microsoft.Extensions.Hosting;

namespace Keel.MockUpstream;

/// <summary>
/// Replaces the console lifetime, which would hook Ctrl+C and SIGTERM in every test process that starts a
/// server in-process. <see cref="Program"/> handles signals itself.
/// </summary>
internal sealed class NoSignalLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
