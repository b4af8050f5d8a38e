namespace Keel.Approvals;

/// <summary>
/// A person's decision a task waits for. The request is stored when the task parks as waiting; a decision (API,
/// CLI, dashboard) is stored here and wakes the task, which then journals it as its approval step.
/// </summary>
public sealed record Approval
{
    public required string TaskId { get; init; }

    /// <summary>The journal step the decision becomes.</summary>
    public required int Seq { get; init; }

    public required string CustomerId { get; init; }

    /// <summary>What the person is asked to approve, in words they can act on.</summary>
    public required string Request { get; init; }

    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>When the task stops waiting and applies its timeout policy; null waits for as long as it takes.</summary>
    public DateTimeOffset? TimeoutAt { get; init; }

    public ApprovalStatus Status { get; init; } = ApprovalStatus.Pending;
    public string? DecidedBy { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    public string? Note { get; init; }

    /// <summary>The time the reviewer says they spent; null counts the wait, up to <see cref="Approvals.ReviewTime.Cap"/>.</summary>
    public double? ReviewSeconds { get; init; }
}

public enum ApprovalStatus
{
    Pending,
    Approved,
    Rejected,

    /// <summary>Nobody decided before the timeout; the task applied its timeout policy, and a late decision is refused.</summary>
    TimedOut,
}

/// <summary>A decision on a pending approval, as a person gives it.</summary>
public sealed record ApprovalDecision(bool Approved, string DecidedBy, string? Note = null, double? ReviewSeconds = null);

/// <summary>How much human time an approval is priced at.</summary>
public static class ReviewTime
{
    /// <summary>
    /// Without a stated review time, the wait between request and decision counts, up to this cap: an approval
    /// left overnight was not worked on all night.
    /// </summary>
    public static readonly TimeSpan Cap = TimeSpan.FromMinutes(10);

    public static TimeSpan Of(Approval approval, DateTimeOffset decidedAt) =>
        approval.ReviewSeconds is { } seconds
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromTicks(Math.Clamp((decidedAt - approval.RequestedAt).Ticks, 0, Cap.Ticks));
}
