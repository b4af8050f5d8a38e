namespace Keel.Workers;

/// <summary>How a worker pool takes work.</summary>
public sealed record WorkerOptions
{
    /// <summary>Tasks run at once. Agents mostly wait on models and tools, so this can be well above the core count.</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>How often an idle pool looks for work (new tasks, timers that came due, decisions).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How far ahead a draining pool waits for work to come due. The default outlasts a lease, so tasks of a worker
    /// that died elsewhere are finished; an hour-long timer or a day-long approval timeout is left for a worker.
    /// </summary>
    public TimeSpan DrainHorizon { get; init; } = TimeSpan.FromSeconds(45);
}
