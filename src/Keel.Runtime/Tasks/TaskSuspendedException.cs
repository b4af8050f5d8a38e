namespace Keel.Tasks;

/// <summary>
/// Unwinds an agent's code when its task parks as waiting (a timer, an approval, a child task). The runtime
/// catches it; agent code must let it through, as it would an <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class TaskSuspendedException : Exception
{
    internal TaskSuspendedException(string reason, DateTimeOffset? wakeAt, Journal.StepCommit? alongside = null)
        : base(reason)
    {
        WakeAt = wakeAt;
        Alongside = alongside;
    }

    /// <summary>What must be stored in the same transaction as the task parking: the approval it asks for, the child it starts.</summary>
    internal Journal.StepCommit? Alongside { get; }

    /// <summary>When the task becomes runnable again; null waits for an event (a decision, a child finishing).</summary>
    public DateTimeOffset? WakeAt { get; }
}
