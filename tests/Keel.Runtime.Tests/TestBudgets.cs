using Keel.Budgets;
using Keel.Tasks;

namespace Keel.Runtime.Tests;

/// <summary>Budgets as `keel budgets set` would store them.</summary>
internal static class TestBudgets
{
    public static Budget New(string customerId, decimal limit, BudgetScope scope = BudgetScope.Customer, string? scopeId = null,
        BudgetPeriod period = BudgetPeriod.Total, IReadOnlyList<decimal>? thresholds = null, string? webhook = null, DateTimeOffset? at = null) => new()
        {
            Id = KeelIds.New("bud"),
            Scope = scope,
            ScopeId = scopeId ?? customerId,
            CustomerId = customerId,
            LimitUsd = limit,
            Period = period,
            Thresholds = thresholds ?? [0.5m, 0.8m, 1m],
            WebhookUrl = webhook,
            CreatedAt = at ?? DateTimeOffset.UtcNow,
        };
}
