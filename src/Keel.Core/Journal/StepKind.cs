namespace Keel.Journal;

public enum StepKind
{
    Model,
    Tool,

    /// <summary>Ordinary code whose result is journaled (<c>StepAsync</c>).</summary>
    Step,
    Approval,

    /// <summary>A durable timer: its result is the time it wakes at.</summary>
    Timer,

    /// <summary>A read or compare-and-set of tool state.</summary>
    State,

    /// <summary>A child task, whose result is the child's output.</summary>
    Child,
}
