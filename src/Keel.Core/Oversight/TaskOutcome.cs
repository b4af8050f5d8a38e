namespace Keel.Oversight;

/// <summary>How a task ended for the business, reported by the agent or a person: what cost per outcome divides by.</summary>
public enum TaskOutcome
{
    Success,
    Failure,
}
