namespace Keel.Budgets;

/// <summary>What a budget caps: the spending of one API key, customer, session, task, or agent.</summary>
public enum BudgetScope
{
    Key,
    Customer,
    Session,
    Task,
    Agent,
}
