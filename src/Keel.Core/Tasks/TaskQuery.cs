namespace Keel.Tasks;

/// <summary>Filters for listing tasks, newest first.</summary>
public sealed record TaskQuery
{
    public AgentTaskStatus? Status { get; init; }
    public string? Agent { get; init; }
    public string? CustomerId { get; init; }
    public int Limit { get; init; } = 100;
}
