namespace Keel.Tasks;

/// <summary>A task with the totals a listing needs, kept up to date as steps commit.</summary>
public sealed record TaskSummary(
    AgentTask Task,
    int Steps,
    int ModelCalls,
    int Retries,
    int Fallbacks,
    long InputTokens,
    long OutputTokens,
    decimal CostUsd)
{
    public TimeSpan? Duration => Task.StartedAt is { } start && Task.EndedAt is { } end ? end - start : null;
}
