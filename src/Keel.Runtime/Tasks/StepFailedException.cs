using Keel.Journal;

namespace Keel.Tasks;

/// <summary>A step failed in an earlier run of the task; replaying it raises its recorded error again.</summary>
public sealed class StepFailedException(string taskId, StepRecord step)
    : Exception(step.Error ?? $"Step {step.Seq} of task {taskId} failed.")
{
    public string TaskId { get; } = taskId;
    public int Seq { get; } = step.Seq;
}
