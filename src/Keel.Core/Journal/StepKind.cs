namespace Keel.Journal;

public enum StepKind
{
    Model,
    Tool,
    Step,
    Approval,
}
