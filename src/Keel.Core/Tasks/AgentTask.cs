namespace Keel.Tasks;

/// <summary>One run of an agent: the unit that is journaled, traced, priced and (later) billed.</summary>
public sealed record AgentTask
{
    public required string Id { get; init; }
    public required string Agent { get; init; }
    public required string CustomerId { get; init; }
    public string? SessionId { get; init; }
    public string? ParentId { get; init; }
    public AgentTaskStatus Status { get; init; } = AgentTaskStatus.Pending;
    public string? Input { get; init; }
    public string? Output { get; init; }
    public string? Error { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>How the task ended for the business, once reported.</summary>
    public Oversight.TaskOutcome? Outcome { get; init; }

    /// <summary>What the outcome was worth (a refund recovered, tickets resolved), for billing by outcome value.</summary>
    public decimal? OutcomeValue { get; init; }
}
