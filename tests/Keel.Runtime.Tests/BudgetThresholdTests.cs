using System.Text.Json;
using Keel.Budgets;
using Keel.Tasks;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>Thresholds fire once per budget, threshold and period: stored, and POSTed to the budget's webhook.</summary>
public sealed class BudgetThresholdTests
{
    private static readonly DateTimeOffset Day1 = new(2026, 5, 10, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Day2 = new(2026, 5, 11, 0, 0, 5, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A ledger as a (re)started process would build it, with its own alerts.</summary>
    private sealed class Node(TempStore temp, TimeProvider time, HttpClient http) : IDisposable
    {
        public BudgetAlerts Alerts { get; } = new(temp.Store, http);
        public BudgetLedger Ledger { get; private set; } = null!;
        public AgentRuntime Runtime { get; private set; } = null!;

        public Node Start()
        {
            Ledger = new BudgetLedger(temp.Store, time, Alerts);
            Runtime = BudgetRuntime.Create(temp, Ledger, time);
            return this;
        }

        public async Task SpendAsync(string customerId, decimal usd)
        {
            Assert.Null(await Runtime.SpendAsync(customerId, usd));
            await Alerts.DrainAsync();
        }

        public void Dispose() => Ledger.Dispose();
    }

    [Fact]
    public async Task Each_threshold_fires_once_per_period_also_across_restarts_and_again_the_next_day()
    {
        await using var temp = await TempStore.CreateAsync();
        await using var receiver = WebhookReceiver.Start();
        using var http = new HttpClient();
        var acme = await temp.Store.EnsureCustomerAsync("acme", Ct);
        var time = new FakeTimeProvider(Day1);
        var budget = await temp.Store.UpsertBudgetAsync(TestBudgets.New(acme.Id, 1.00m, period: BudgetPeriod.Daily, webhook: receiver.Url, at: Day1), Ct);
        async Task<List<BudgetEvent>> EventsAsync() => [.. (await temp.Store.ListBudgetEventsAsync(100, Ct)).OrderBy(e => e.At).ThenBy(e => e.Threshold)];

        using (var first = new Node(temp, time, http).Start())
        {
            await first.SpendAsync(acme.Id, 0.30m);
            Assert.Empty(await EventsAsync());

            await first.SpendAsync(acme.Id, 0.30m); // 0.60: crosses 0.5
            await first.SpendAsync(acme.Id, 0.10m); // 0.70: nothing new
            Assert.Equal([0.5m], (await EventsAsync()).Select(e => e.Threshold));
        }

        using (var second = new Node(temp, time, http).Start())
        {
            await second.SpendAsync(acme.Id, 0.05m); // 0.75: a restarted ledger does not fire 0.5 again
            Assert.Single(await EventsAsync());
            await second.SpendAsync(acme.Id, 0.05m); // 0.80: crosses 0.8
        }

        using var third = new Node(temp, time, http).Start();
        await third.SpendAsync(acme.Id, 0.20m); // 1.00: crosses 1

        var day1 = await EventsAsync();
        Assert.Equal([0.5m, 0.8m, 1m], day1.Select(e => e.Threshold));
        Assert.Equal([0.60m, 0.80m, 1.00m], day1.Select(e => e.SpentUsd));
        Assert.All(day1, e =>
        {
            Assert.Equal(budget.Id, e.BudgetId);
            Assert.Equal(1.00m, e.LimitUsd);
            Assert.Equal(Day1.Date, e.PeriodStart.UtcDateTime);
        });

        time.SetUtcNow(Day2);
        await third.SpendAsync(acme.Id, 0.55m); // a ledger running across midnight fires 0.5 again for the new day
        using (var nextDay = new Node(temp, time, http).Start())
        {
            await nextDay.SpendAsync(acme.Id, 0.05m); // 0.60: nothing new, also after a restart
            await nextDay.SpendAsync(acme.Id, 0.25m); // 0.85: crosses 0.8
        }

        var all = await EventsAsync();
        Assert.Equal([0.5m, 0.8m, 1m, 0.5m, 0.8m], all.Select(e => e.Threshold));
        Assert.All(all.Skip(3), e => Assert.Equal(new DateTimeOffset(2026, 5, 11, 0, 0, 0, TimeSpan.Zero), e.PeriodStart));

        Assert.Equal(5, receiver.Bodies.Count);
        Assert.All(receiver.Paths, path => Assert.Equal("/hooks/budget", path));
        var posted = receiver.Bodies.OrderBy(b => b.GetProperty("at").GetDateTimeOffset()).ThenBy(b => b.GetProperty("threshold").GetDecimal()).ToList();
        Assert.Equal([0.5m, 0.8m, 1m, 0.5m, 0.8m], posted.Select(b => b.GetProperty("threshold").GetDecimal()));
        Assert.Equal([0.60m, 0.80m, 1.00m, 0.55m, 0.85m], posted.Select(b => b.GetProperty("spent_usd").GetDecimal()));
        Assert.All(posted, b =>
        {
            Assert.Equal("budget.threshold_crossed", b.GetProperty("type").GetString());
            Assert.Equal(budget.Id, b.GetProperty("budget_id").GetString());
            Assert.Equal(1.00m, b.GetProperty("limit_usd").GetDecimal());
            Assert.Equal("customer", b.GetProperty("scope").GetString());
            Assert.Equal(acme.Id, b.GetProperty("scope_id").GetString());
        });
        Assert.Equal(new DateTimeOffset(2026, 5, 11, 0, 0, 0, TimeSpan.Zero), posted[^1].GetProperty("period_start").GetDateTimeOffset());
    }

    [Fact]
    public async Task One_settlement_that_crosses_two_thresholds_fires_both()
    {
        await using var temp = await TempStore.CreateAsync();
        await using var receiver = WebhookReceiver.Start();
        using var http = new HttpClient();
        var acme = await temp.Store.EnsureCustomerAsync("acme", Ct);
        await temp.Store.UpsertBudgetAsync(TestBudgets.New(acme.Id, 2.00m, webhook: receiver.Url), Ct);
        using var node = new Node(temp, TimeProvider.System, http).Start();

        await node.SpendAsync(acme.Id, 1.70m); // 85 %

        Assert.Equal([0.5m, 0.8m], (await temp.Store.ListBudgetEventsAsync(100, Ct)).Select(e => e.Threshold).Order());
        Assert.Equal([0.5m, 0.8m], receiver.Bodies.Select(b => b.GetProperty("threshold").GetDecimal()).Order());
        Assert.All(receiver.Bodies, b => Assert.Equal(JsonValueKind.Null, b.GetProperty("period_start").ValueKind)); // a total budget has no period
    }

    [Fact]
    public async Task An_event_published_twice_is_stored_and_delivered_once()
    {
        await using var temp = await TempStore.CreateAsync();
        await using var receiver = WebhookReceiver.Start();
        using var http = new HttpClient();
        var acme = await temp.Store.EnsureCustomerAsync("acme", Ct);
        var budget = await temp.Store.UpsertBudgetAsync(TestBudgets.New(acme.Id, 1.00m, webhook: receiver.Url), Ct);
        var alerts = new BudgetAlerts(temp.Store, http);
        BudgetEvent Crossing() => new()
        {
            Id = KeelIds.New("bev"), BudgetId = budget.Id, Threshold = 0.5m, SpentUsd = 0.6m, LimitUsd = 1m,
            PeriodStart = DateTimeOffset.MinValue, At = DateTimeOffset.UtcNow,
        };

        alerts.Publish(Crossing(), budget); // e.g. two gateway nodes, each seeing the crossing
        alerts.Publish(Crossing(), budget);
        await alerts.DrainAsync();

        Assert.Single(await temp.Store.ListBudgetEventsAsync(100, Ct));
        Assert.Single(receiver.Bodies);
    }
}
