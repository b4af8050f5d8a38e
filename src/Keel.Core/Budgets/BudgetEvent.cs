namespace Keel.Budgets;

/// <summary>A budget crossed one of its thresholds within a period.</summary>
public sealed record BudgetEvent
{
    public required string Id { get; init; }
    public required string BudgetId { get; init; }
    public required decimal Threshold { get; init; }
    public required decimal SpentUsd { get; init; }
    public required decimal LimitUsd { get; init; }
    public required DateTimeOffset PeriodStart { get; init; }
    public required DateTimeOffset At { get; init; }
}
