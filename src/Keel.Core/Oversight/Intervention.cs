namespace Keel.Oversight;

/// <summary>
/// Time a person spent on a task: approving a step, correcting it, reviewing its output. Human oversight is the
/// largest hidden cost of agents in production; Keel prices it at the customer's hourly rate like any other usage.
/// </summary>
public sealed record Intervention
{
    public required string Id { get; init; }
    public required string TaskId { get; init; }
    public required string CustomerId { get; init; }

    /// <summary>The journal step the person acted on, when there was one.</summary>
    public int? StepSeq { get; init; }

    /// <summary>Who: a name or id the operator chooses.</summary>
    public required string Actor { get; init; }

    public InterventionKind Kind { get; init; } = InterventionKind.Intervention;

    /// <summary>approved, rejected, edited... free text for interventions.</summary>
    public string? Decision { get; init; }

    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset EndedAt { get; init; }
    public string? Note { get; init; }

    public double Seconds => (EndedAt - StartedAt).TotalSeconds;
}

public enum InterventionKind
{
    Approval,
    Intervention,
    Review,
}
