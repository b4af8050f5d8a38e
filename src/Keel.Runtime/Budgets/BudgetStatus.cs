namespace Keel.Budgets;

/// <summary>A budget with what its current period has spent and what calls in flight have reserved.</summary>
public sealed record BudgetStatus(Budget Budget, DateTimeOffset PeriodStart, decimal SpentUsd, decimal ReservedUsd)
{
    public decimal RemainingUsd => Budget.LimitUsd - SpentUsd - ReservedUsd;
}
