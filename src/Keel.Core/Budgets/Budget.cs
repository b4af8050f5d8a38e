namespace Keel.Budgets;

/// <summary>A spending cap on one scope. Keel reserves every call's worst case against it first, so it is never overspent.</summary>
public sealed record Budget
{
    public required string Id { get; init; }
    public required BudgetScope Scope { get; init; }

    /// <summary>The key, customer, session or task id, or the agent name.</summary>
    public required string ScopeId { get; init; }

    /// <summary>The customer the budget belongs to (for agent budgets: whose agent).</summary>
    public required string CustomerId { get; init; }

    public required decimal LimitUsd { get; init; }
    public BudgetPeriod Period { get; init; } = BudgetPeriod.Total;

    /// <summary>Shares of the limit (0.5 = 50 %) whose crossing emits an event.</summary>
    public IReadOnlyList<decimal> Thresholds { get; init; } = [0.5m, 0.8m, 1m];

    /// <summary>Where threshold events are POSTed as JSON, when set.</summary>
    public string? WebhookUrl { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The start of the period that contains <paramref name="now"/>, calendar-aligned in UTC.</summary>
    public DateTimeOffset PeriodStart(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        return Period switch
        {
            BudgetPeriod.Daily => new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero),
            BudgetPeriod.Monthly => new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero),
            _ => DateTimeOffset.MinValue,
        };
    }
}
