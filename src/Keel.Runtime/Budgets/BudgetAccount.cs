namespace Keel.Budgets;

/// <summary>
/// One budget's live state for its current period: what was spent (settled) and what is reserved by calls in
/// flight. Guarded by the ledger's lock.
/// </summary>
internal sealed class BudgetAccount(Budget budget, DateTimeOffset periodStart, decimal spent)
{
    // Not pre-filled from the stored spending: a threshold crossed before a restart may be published again, and the
    // store's unique (budget, threshold, period) key makes sure it is delivered once.
    private readonly HashSet<decimal> _fired = [];

    public Budget Budget { get; set; } = budget;
    public DateTimeOffset PeriodStart { get; private set; } = periodStart;
    public decimal Spent { get; private set; } = spent;
    public decimal Reserved { get; set; }

    public decimal Remaining => Budget.LimitUsd - Spent - Reserved;

    /// <summary>The budget was changed in a way that moves its period: start over from what the store says.</summary>
    public void Reset(Budget changed, DateTimeOffset periodStart, decimal spent)
    {
        Budget = changed;
        PeriodStart = periodStart;
        Spent = spent;
        _fired.Clear();
    }

    /// <summary>Starts a new period when <paramref name="now"/> has left the current one.</summary>
    public void Roll(DateTimeOffset now)
    {
        var start = Budget.PeriodStart(now);
        if (start != PeriodStart)
        {
            PeriodStart = start;
            Spent = 0;
            _fired.Clear();
        }
    }

    /// <summary>Adds settled spending; returns the thresholds this crossed, each once per period.</summary>
    public IEnumerable<decimal> Add(decimal amount)
    {
        Spent += amount;
        var crossed = Budget.Thresholds.Where(t => Spent >= t * Budget.LimitUsd && _fired.Add(t)).ToList();
        return crossed;
    }
}
