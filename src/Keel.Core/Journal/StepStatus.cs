namespace Keel.Journal;

public enum StepStatus
{
    Succeeded,
    Failed,
}
