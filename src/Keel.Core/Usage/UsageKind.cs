namespace Keel.Usage;

public enum UsageKind
{
    Model,
    Tool,

    /// <summary>A person's time spent overseeing a task (approvals, interventions), priced at their hourly rate.</summary>
    Human,
}
