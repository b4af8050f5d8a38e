namespace Keel.Tasks;

/// <summary>Filters for listing tasks, newest first (by creation time, then id), one page at a time.</summary>
public sealed record TaskQuery
{
    public AgentTaskStatus? Status { get; init; }
    public string? Agent { get; init; }
    public string? CustomerId { get; init; }
    public string? SessionId { get; init; }

    /// <summary>
    /// A model or a model alias: only tasks with a model call that asked for that alias or was served by that model,
    /// or that a replay set to it.
    /// </summary>
    public string? Model { get; init; }

    /// <summary>Text the task's id starts with, or that its input contains (ASCII letters in any case).</summary>
    public string? Search { get; init; }

    /// <summary>Only tasks created at or after this time.</summary>
    public DateTimeOffset? CreatedFrom { get; init; }

    /// <summary>Only tasks created before this time.</summary>
    public DateTimeOffset? CreatedBefore { get; init; }

    public decimal? MinCostUsd { get; init; }
    public decimal? MaxCostUsd { get; init; }

    /// <summary>Only ended tasks that ran at least this long (from start to end).</summary>
    public TimeSpan? MinDuration { get; init; }

    /// <summary>Only ended tasks that ran at most this long.</summary>
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>
    /// Keyset paging: only tasks that come after this position in the listing (older, or as old with a smaller id).
    /// Pass the position of the last task of a page to get the next one; unlike an offset it costs the same on any page
    /// and never skips or repeats a task when new ones arrive.
    /// </summary>
    public TaskPosition? After { get; init; }

    public int Limit { get; init; } = 100;
}

/// <summary>A task's place in the newest-first listing: its creation time, and its id to break ties.</summary>
public sealed record TaskPosition(DateTimeOffset CreatedAt, string Id)
{
    public static TaskPosition Of(AgentTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new(task.CreatedAt, task.Id);
    }
}
