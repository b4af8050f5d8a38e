using Keel.Routing;

namespace Keel.Server.Hosting;

/// <summary>
/// The agents a server runs in the background, made by its host over the server's store (see
/// <see cref="KeelServerOptions.Workers"/>; the CLI passes the demo's agents).
/// </summary>
public sealed record KeelServerWorkers
{
    /// <summary>Runs the worker pool until the token is cancelled, then hands its running tasks back to the queue.</summary>
    public required Func<CancellationToken, Task> RunAsync { get; init; }

    /// <summary>The agents the pool runs: a replay of another agent's task would wait for a worker that never comes, so it is refused.</summary>
    public required IReadOnlyCollection<string> Agents { get; init; }

    /// <summary>The model aliases the pool's agents can call, to check a replay's model override before the fork is made.</summary>
    public ModelCatalog? Models { get; init; }
}
