using Keel.Budgets;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>Daily and monthly budgets start afresh at UTC midnight and on the first of the UTC month.</summary>
public sealed class BudgetPeriodTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset Utc(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) =>
        new(year, month, day, hour, minute, second, TimeSpan.Zero);

    [Fact]
    public async Task A_full_daily_budget_refuses_until_UTC_midnight_then_allows_again()
    {
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", Ct);
        var time = new FakeTimeProvider(Utc(2026, 3, 14, 22));
        await temp.Store.UpsertBudgetAsync(TestBudgets.New(acme.Id, 1.00m, period: BudgetPeriod.Daily, at: time.GetUtcNow()), Ct);
        using var ledger = new BudgetLedger(temp.Store, time);
        var runtime = BudgetRuntime.Create(temp, ledger, time);

        Assert.Null(await runtime.SpendAsync(acme.Id, 0.60m));
        Assert.Null(await runtime.SpendAsync(acme.Id, 0.40m));
        var full = await runtime.SpendAsync(acme.Id, 0.01m);
        Assert.NotNull(full);
        Assert.Equal(0m, full.RemainingUsd);

        time.SetUtcNow(Utc(2026, 3, 14, 23, 59, 59));
        Assert.NotNull(await runtime.SpendAsync(acme.Id, 0.01m));
        using (var restarted = new BudgetLedger(temp.Store, time))
        {
            // A ledger that starts now sums the day's usage from the store: still full.
            Assert.NotNull(await BudgetRuntime.Create(temp, restarted, time).SpendAsync(acme.Id, 0.01m));
        }

        time.SetUtcNow(Utc(2026, 3, 15));
        Assert.Null(await runtime.SpendAsync(acme.Id, 0.60m));

        var status = Assert.Single(await ledger.StatusAsync(Ct));
        Assert.Equal(Utc(2026, 3, 15), status.PeriodStart);
        Assert.Equal(0.60m, status.SpentUsd);
        Assert.Equal(0.60m, await temp.Store.SpentAsync(BudgetScope.Customer, acme.Id, acme.Id, status.PeriodStart, Ct));
        using var afterMidnight = new BudgetLedger(temp.Store, time);
        Assert.Equal(0.60m, Assert.Single(await afterMidnight.StatusAsync(Ct)).SpentUsd);
    }

    [Fact]
    public async Task A_monthly_budget_rolls_over_on_the_first_of_the_UTC_month_and_not_before()
    {
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", Ct);
        var time = new FakeTimeProvider(Utc(2026, 1, 31, 23, 30));
        await temp.Store.UpsertBudgetAsync(TestBudgets.New(acme.Id, 1.00m, period: BudgetPeriod.Monthly, at: time.GetUtcNow()), Ct);
        using var ledger = new BudgetLedger(temp.Store, time);
        var runtime = BudgetRuntime.Create(temp, ledger, time);

        Assert.Null(await runtime.SpendAsync(acme.Id, 1.00m));
        Assert.NotNull(await runtime.SpendAsync(acme.Id, 0.01m));
        Assert.Equal(Utc(2026, 1, 1), Assert.Single(await ledger.StatusAsync(Ct)).PeriodStart);

        time.SetUtcNow(Utc(2026, 2, 1, 0, 0, 1));
        Assert.Null(await runtime.SpendAsync(acme.Id, 0.70m));
        Assert.Equal(Utc(2026, 2, 1), Assert.Single(await ledger.StatusAsync(Ct)).PeriodStart);

        time.SetUtcNow(Utc(2026, 2, 28, 23, 59, 59));
        var refused = await runtime.SpendAsync(acme.Id, 0.40m);
        Assert.NotNull(refused);
        Assert.Equal(0.30m, refused.RemainingUsd);
    }

    [Theory]
    [InlineData("2026-03-31T22:30:00-05:00", "2026-04-01T00:00:00Z", "2026-04-01T00:00:00Z")] // already April in UTC
    [InlineData("2026-04-01T01:00:00+02:00", "2026-03-31T00:00:00Z", "2026-03-01T00:00:00Z")] // still March in UTC
    [InlineData("2028-02-29T12:00:00Z", "2028-02-29T00:00:00Z", "2028-02-01T00:00:00Z")]
    [InlineData("2026-12-31T23:59:59.999Z", "2026-12-31T00:00:00Z", "2026-12-01T00:00:00Z")]
    public void Periods_start_on_calendar_boundaries_in_UTC_whatever_the_offset(string now, string dayStart, string monthStart)
    {
        var at = DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture);
        var daily = TestBudgets.New("cus_1", 1m, period: BudgetPeriod.Daily);
        var monthly = daily with { Period = BudgetPeriod.Monthly };
        var total = daily with { Period = BudgetPeriod.Total };

        Assert.Equal(DateTimeOffset.Parse(dayStart, System.Globalization.CultureInfo.InvariantCulture), daily.PeriodStart(at));
        Assert.Equal(DateTimeOffset.Parse(monthStart, System.Globalization.CultureInfo.InvariantCulture), monthly.PeriodStart(at));
        Assert.Equal(TimeSpan.Zero, monthly.PeriodStart(at).Offset);
        Assert.Equal(DateTimeOffset.MinValue, total.PeriodStart(at));
    }
}
