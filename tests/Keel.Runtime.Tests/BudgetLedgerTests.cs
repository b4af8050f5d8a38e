using Keel.Budgets;
using Keel.Tasks;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Keel.Runtime.Tests;

public sealed class BudgetLedgerTests
{
    private static Budget NewBudget(string customerId, decimal limit, BudgetScope scope = BudgetScope.Customer, string? scopeId = null, BudgetPeriod period = BudgetPeriod.Total, DateTimeOffset? at = null) => new()
    {
        Id = KeelIds.New("bud"),
        Scope = scope,
        ScopeId = scopeId ?? customerId,
        CustomerId = customerId,
        LimitUsd = limit,
        Period = period,
        CreatedAt = at ?? DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task A_reservation_that_does_not_fit_is_refused_naming_the_scope_and_what_is_left()
    {
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", TestContext.Current.CancellationToken);
        await temp.Store.UpsertBudgetAsync(NewBudget(acme.Id, 1.00m), TestContext.Current.CancellationToken);
        using var ledger = new BudgetLedger(temp.Store);
        var subject = new BudgetSubject(acme.Id);

        using var first = await ledger.ReserveAsync(subject, 0.70m, TestContext.Current.CancellationToken);
        var refused = await Assert.ThrowsAsync<BudgetExceededException>(async () => await ledger.ReserveAsync(subject, 0.40m, TestContext.Current.CancellationToken));

        Assert.Equal(BudgetScope.Customer, refused.Scope);
        Assert.Equal(0.30m, refused.RemainingUsd);
        Assert.Contains("$0.3 of $1 left", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settling_replaces_the_reservation_with_the_real_cost_and_releasing_frees_it()
    {
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", TestContext.Current.CancellationToken);
        await temp.Store.UpsertBudgetAsync(NewBudget(acme.Id, 1.00m), TestContext.Current.CancellationToken);
        using var ledger = new BudgetLedger(temp.Store);
        var subject = new BudgetSubject(acme.Id);

        (await ledger.ReserveAsync(subject, 0.60m, TestContext.Current.CancellationToken)).Settle(0.10m);
        (await ledger.ReserveAsync(subject, 0.60m, TestContext.Current.CancellationToken)).Dispose();

        var status = Assert.Single(await ledger.StatusAsync(TestContext.Current.CancellationToken));
        Assert.Equal(0.10m, status.SpentUsd);
        Assert.Equal(0m, status.ReservedUsd);
    }
}
