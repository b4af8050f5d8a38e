using Keel.Storage;

namespace Keel.Budgets;

/// <summary>
/// Reserves every call's worst-case cost on all the budgets that apply to it, atomically, before any provider is
/// called; settles to the real cost after, or releases on failure. All budgets are checked and reserved under
/// one lock, so concurrent calls can never together overspend a budget. Budgets are reloaded from the store every
/// few seconds, so limits set with `keel budgets set` reach a running server.
/// </summary>
public sealed class BudgetLedger : IDisposable
{
    private static readonly TimeSpan ReloadEvery = TimeSpan.FromSeconds(2);
    private readonly IKeelStore _store;
    private readonly TimeProvider _time;
    private readonly BudgetAlerts? _alerts;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _reload = new(1, 1);
    private Dictionary<(BudgetScope, string), BudgetAccount> _accounts = [];
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;

    public BudgetLedger(IKeelStore store, TimeProvider? timeProvider = null, BudgetAlerts? alerts = null)
    {
        _store = store;
        _time = timeProvider ?? TimeProvider.System;
        _alerts = alerts;
    }

    /// <exception cref="BudgetExceededException">The worst case does not fit one of the budgets; nothing was reserved.</exception>
    public async ValueTask<BudgetReservation> ReserveAsync(BudgetSubject subject, decimal worstCaseUsd, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        await ReloadIfStaleAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var accounts = new List<BudgetAccount>();
            foreach (var scope in subject.Scopes())
            {
                if (_accounts.TryGetValue(scope, out var account))
                {
                    account.Roll(now);
                    if (worstCaseUsd > account.Remaining)
                    {
                        var budget = account.Budget;
                        throw new BudgetExceededException(budget.Scope, budget.ScopeId, budget.LimitUsd, Math.Max(0, account.Remaining), worstCaseUsd);
                    }

                    accounts.Add(account);
                }
            }

            foreach (var account in accounts)
            {
                account.Reserved += worstCaseUsd;
            }

            return new BudgetReservation(this, accounts, worstCaseUsd);
        }
    }

    /// <summary>
    /// Whether any budget applies to the subject. Callers skip pricing the worst case (which needs a tokenizer of
    /// some 50 MB) when none does.
    /// </summary>
    public async ValueTask<bool> AppliesAsync(BudgetSubject subject, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        await ReloadIfStaleAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            return _accounts.Count > 0 && subject.Scopes().Any(_accounts.ContainsKey);
        }
    }

    /// <summary>How close the subject is to its tightest budget: the largest (spent + reserved) / limit, 0 with none.</summary>
    public decimal Pressure(BudgetSubject subject)
    {
        lock (_gate)
        {
            return subject.Scopes()
                .Select(scope => _accounts.TryGetValue(scope, out var a) && a.Budget.LimitUsd > 0 ? (a.Spent + a.Reserved) / a.Budget.LimitUsd : 0)
                .DefaultIfEmpty(0)
                .Max();
        }
    }

    public async ValueTask<IReadOnlyList<BudgetStatus>> StatusAsync(CancellationToken cancellationToken = default)
    {
        await ReloadIfStaleAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            return [.. _accounts.Values.Select(a =>
            {
                a.Roll(now);
                return new BudgetStatus(a.Budget, a.PeriodStart, a.Spent, a.Reserved);
            })];
        }
    }

    /// <summary>Loads budgets created or changed since the last load; live spending of known ones is kept.</summary>
    public async ValueTask ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _reload.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            var budgets = await _store.ListBudgetsAsync(cancellationToken).ConfigureAwait(false);
            Dictionary<(BudgetScope, string), BudgetAccount> current;
            lock (_gate)
            {
                current = new(_accounts);
            }

            var next = new Dictionary<(BudgetScope, string), BudgetAccount>();
            foreach (var budget in budgets)
            {
                var key = (budget.Scope, AccountKey(budget));
                if (current.TryGetValue(key, out var known) && known.Budget.Id == budget.Id)
                {
                    if (known.Budget.Period != budget.Period)
                    {
                        // A new period kind starts elsewhere: re-sum it. The same account keeps its reservations.
                        var periodStart = budget.PeriodStart(now);
                        var spentSoFar = await _store.SpentAsync(budget.Scope, budget.ScopeId, budget.CustomerId, periodStart, cancellationToken).ConfigureAwait(false);
                        lock (_gate)
                        {
                            known.Reset(budget, periodStart, spentSoFar);
                        }
                    }
                    else
                    {
                        known.Budget = budget;
                    }

                    next[key] = known;
                    continue;
                }

                var start = budget.PeriodStart(now);
                var spent = await _store.SpentAsync(budget.Scope, budget.ScopeId, budget.CustomerId, start, cancellationToken).ConfigureAwait(false);
                next[key] = new BudgetAccount(budget, start, spent);
            }

            lock (_gate)
            {
                _accounts = next;
                _loadedAt = now;
            }
        }
        finally
        {
            _reload.Release();
        }
    }

    /// <summary>
    /// Adds spending that was not reserved (a person's time, priced after the fact) to every budget of the
    /// subject, with the threshold alerts it causes. It cannot be refused: the time was already spent.
    /// </summary>
    public async ValueTask RecordAsync(BudgetSubject subject, decimal usd, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        await ReloadIfStaleAsync(cancellationToken).ConfigureAwait(false);
        List<BudgetAccount> accounts;
        lock (_gate)
        {
            accounts = [.. subject.Scopes().Where(_accounts.ContainsKey).Select(scope => _accounts[scope])];
        }

        Settle(accounts, 0, usd);
    }

    internal void Settle(IReadOnlyList<BudgetAccount> accounts, decimal reservedUsd, decimal actualUsd)
    {
        var now = _time.GetUtcNow();
        List<BudgetEvent>? crossed = null;
        lock (_gate)
        {
            foreach (var account in accounts)
            {
                account.Reserved -= reservedUsd;
                account.Roll(now);
                foreach (var threshold in account.Add(actualUsd))
                {
                    (crossed ??= []).Add(new BudgetEvent
                    {
                        Id = Tasks.KeelIds.New("bev"),
                        BudgetId = account.Budget.Id,
                        Threshold = threshold,
                        SpentUsd = account.Spent,
                        LimitUsd = account.Budget.LimitUsd,
                        PeriodStart = account.PeriodStart,
                        At = now,
                    });
                }
            }
        }

        if (crossed is not null && _alerts is not null)
        {
            foreach (var budgetEvent in crossed)
            {
                _alerts.Publish(budgetEvent, accounts.First(a => a.Budget.Id == budgetEvent.BudgetId).Budget);
            }
        }
    }

    public void Dispose() => _reload.Dispose();

    private ValueTask ReloadIfStaleAsync(CancellationToken cancellationToken) =>
        _time.GetUtcNow() - _loadedAt < ReloadEvery ? ValueTask.CompletedTask : ReloadAsync(cancellationToken);

    private static string AccountKey(Budget budget) =>
        budget.Scope == BudgetScope.Agent ? $"{budget.CustomerId}/{budget.ScopeId}" : budget.ScopeId;
}
