using Keel.Tasks;

namespace Keel.Approvals;

/// <summary>How a task waits for a person's decision.</summary>
public sealed record ApprovalOptions
{
    /// <summary>How long to wait; null waits until someone decides.</summary>
    public TimeSpan? Timeout { get; init; }

    public ApprovalTimeoutPolicy OnTimeout { get; init; } = ApprovalTimeoutPolicy.Reject;

    /// <summary>The journal step's name; give each distinct approval in an agent its own.</summary>
    public string StepName { get; init; } = "approval";
}

/// <summary>What an approval that nobody decided in time becomes.</summary>
public enum ApprovalTimeoutPolicy
{
    /// <summary>Treated as a rejection by "timeout" (the safe default for anything that spends or sends).</summary>
    Reject,

    /// <summary>Treated as an approval by "timeout" (for low-risk steps a person may veto in time).</summary>
    Approve,

    /// <summary>The step fails with <see cref="ApprovalTimedOutException"/>, and the task with it unless the code catches it.</summary>
    Fail,
}

/// <summary>A decision as the waiting task receives it.</summary>
public sealed record ApprovalResult(bool Approved, string DecidedBy, string? Note, bool TimedOut);

/// <summary>Nobody decided an approval before its timeout, under <see cref="ApprovalTimeoutPolicy.Fail"/>.</summary>
public sealed class ApprovalTimedOutException(string taskId, Approval approval)
    : Exception($"Task {taskId} waited for approval of \"{approval.Request}\" until {approval.TimeoutAt:O}; nobody decided.")
{
    public string TaskId { get; } = taskId;
}
