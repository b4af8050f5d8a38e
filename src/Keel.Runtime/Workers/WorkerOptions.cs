namespace Keel.Workers;

/// <summary>How a worker pool takes work.</summary>
public sealed record WorkerOptions
{
    /// <summary>Tasks run at once. Agents mostly wait on models and tools, so this can be well above the core count.</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>How often an idle pool looks for work (new tasks, timers that came due, decisions).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);
}
