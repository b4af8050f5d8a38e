namespace Keel.Budgets;

/// <summary>
/// A call's hold on its budgets. Settle it with the real cost once the call is priced; disposing an unsettled
/// reservation releases it (the call failed and cost nothing).
/// </summary>
public sealed class BudgetReservation : IDisposable
{
    private readonly BudgetLedger _ledger;
    private readonly IReadOnlyList<BudgetAccount> _accounts;
    private int _settled;

    internal BudgetReservation(BudgetLedger ledger, IReadOnlyList<BudgetAccount> accounts, decimal reservedUsd)
    {
        _ledger = ledger;
        _accounts = accounts;
        ReservedUsd = reservedUsd;
    }

    public decimal ReservedUsd { get; }

    public void Settle(decimal actualUsd)
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            _ledger.Settle(_accounts, ReservedUsd, actualUsd);
        }
    }

    public void Dispose() => Settle(0);
}
