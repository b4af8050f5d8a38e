namespace Keel.Budgets;

/// <summary>Whom a call is for: every budget on any of these scopes applies to it.</summary>
public sealed record BudgetSubject(string CustomerId, string? ApiKeyId = null, string? SessionId = null, string? TaskId = null, string? Agent = null)
{
    public IEnumerable<(BudgetScope Scope, string Id)> Scopes()
    {
        yield return (BudgetScope.Customer, CustomerId);
        if (ApiKeyId is not null)
        {
            yield return (BudgetScope.Key, ApiKeyId);
        }

        if (SessionId is not null)
        {
            yield return (BudgetScope.Session, SessionId);
        }

        if (TaskId is not null)
        {
            yield return (BudgetScope.Task, TaskId);
        }

        if (Agent is not null)
        {
            // Agent names are per customer: two customers' "support" agents are different agents.
            yield return (BudgetScope.Agent, $"{CustomerId}/{Agent}");
        }
    }
}
