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
}
