namespace Keel.Budgets;

/// <summary>How often a budget starts afresh: never, at each UTC midnight, or on the first of each UTC month.</summary>
public enum BudgetPeriod
{
    Total,
    Daily,
    Monthly,
}
