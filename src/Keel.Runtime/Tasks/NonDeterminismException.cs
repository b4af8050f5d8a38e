using Keel.Journal;

namespace Keel.Tasks;

/// <summary>
/// A resumed task's code took a different step than its journal recorded (the code changed between runs, or it
/// branches on something that is not journaled: a clock, a random number, an unordered collection). The task
/// fails rather than mixing recorded results into a different program.
/// </summary>
public sealed class NonDeterminismException(string taskId, int seq, StepKind recordedKind, string recordedName, StepKind kind, string name)
    : InvalidOperationException(
        $"Non-determinism in task {taskId} at step {seq}: the journal recorded {recordedKind.ToString().ToLowerInvariant()} '{recordedName}', " +
        $"but the code now runs {kind.ToString().ToLowerInvariant()} '{name}'. Read clocks and random numbers inside StepAsync, and keep " +
        "the order of steps the same for tasks that were started with the old code.")
{
    public string TaskId { get; } = taskId;
    public int Seq { get; } = seq;
}
