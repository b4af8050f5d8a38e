using Keel.Budgets;
using Keel.Server.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Keel.Server.Tests.Dashboard;

/// <summary>GET /api/costs by day and by model (with model, tool and human cost apart), and GET /api/budgets.</summary>
public sealed class CostApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Day 1: two gpt-4o-mini tasks; day 2: one gpt-4o task and one gpt-4o-mini; globex: one gpt-4o task on day 2.</summary>
    private static async Task<string> SeedAsync(GatewayHarness gateway)
    {
        var (globexId, globexKey) = await gateway.CreateKeyAsync("globex");
        var day1 = DashboardSeed.Epoch;
        var day2 = DashboardSeed.Epoch.AddDays(1);
        await DashboardSeed.TaskAsync(gateway.Store, gateway.CustomerId, new() { CreatedAt = day1, CostUsd = 0.10m });
        await DashboardSeed.TaskAsync(gateway.Store, gateway.CustomerId, new() { CreatedAt = day1.AddHours(3), CostUsd = 0.20m });
        await DashboardSeed.TaskAsync(gateway.Store, gateway.CustomerId, new() { CreatedAt = day2, Model = "gpt-4o", Agent = "research", CostUsd = 1.00m });
        await DashboardSeed.TaskAsync(gateway.Store, gateway.CustomerId, new() { CreatedAt = day2.AddHours(1), CostUsd = 0.05m });
        await DashboardSeed.TaskAsync(gateway.Store, globexId, new() { CreatedAt = day2.AddHours(2), Model = "gpt-4o", CostUsd = 7.00m });
        return globexKey;
    }

    [Fact]
    public async Task Costs_by_day_come_in_date_order_with_totals()
    {
        await using var gateway = await DashboardClient.StartAsync();
        await SeedAsync(gateway);

        var answer = await gateway.GetApiAsync("costs?by=day", gateway.AdminToken);

        Assert.Equal(200, answer.Status);
        var rows = answer.Json.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(["2025-03-14", "2025-03-15"], rows.Select(r => r.Str("key")));
        Assert.Equal([0.30m, 8.05m], rows.Select(r => r.GetProperty("model_usd").GetDecimal()));
        Assert.Equal([2, 3], rows.Select(r => r.GetProperty("tasks").GetInt32()));
        Assert.All(rows, r => Assert.Equal(0m, r.GetProperty("tool_usd").GetDecimal() + r.GetProperty("human_usd").GetDecimal()));
        var total = answer.Json.GetProperty("total");
        Assert.Equal((8.35m, 8.35m, 5), (total.GetProperty("total_usd").GetDecimal(), total.GetProperty("model_usd").GetDecimal(), total.GetProperty("tasks").GetInt32()));
    }

    [Fact]
    public async Task Costs_by_model_since_a_time_and_a_customers_own()
    {
        await using var gateway = await DashboardClient.StartAsync();
        var globexKey = await SeedAsync(gateway);

        var all = await gateway.GetApiAsync("costs?by=model", gateway.AdminToken);
        var since = await gateway.GetApiAsync($"costs?by=model&since={DashboardSeed.Epoch.AddDays(1).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}", gateway.AdminToken);
        var globex = await gateway.GetApiAsync("costs?by=model", globexKey);
        var byAgent = await gateway.GetApiAsync("costs?by=agent", gateway.Key);
        var bad = await gateway.GetApiAsync("costs?by=planet", gateway.AdminToken);

        static Dictionary<string, decimal> Rows(GatewayAnswer answer) =>
            answer.Json.GetProperty("rows").EnumerateArray().ToDictionary(r => r.Str("key"), r => r.GetProperty("total_usd").GetDecimal());
        Assert.Equal(new Dictionary<string, decimal> { ["gpt-4o"] = 8.00m, ["gpt-4o-mini"] = 0.35m }, Rows(all));
        Assert.Equal(new Dictionary<string, decimal> { ["gpt-4o"] = 8.00m, ["gpt-4o-mini"] = 0.05m }, Rows(since));
        Assert.Equal(new Dictionary<string, decimal> { ["gpt-4o"] = 7.00m }, Rows(globex));
        Assert.Equal(new Dictionary<string, decimal> { ["research"] = 1.00m, ["support"] = 0.35m }, Rows(byAgent));
        Assert.Equal(400, bad.Status);
    }

    [Fact]
    public async Task Costs_since_a_time_within_a_day_count_only_its_later_usage_and_new_usage_at_once()
    {
        await using var gateway = await DashboardClient.StartAsync();
        await SeedAsync(gateway);
        var since = $"since={DashboardSeed.Epoch.AddHours(2).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}";

        var byDay = await gateway.GetApiAsync($"costs?by=day&{since}", gateway.AdminToken);
        await DashboardSeed.TaskAsync(gateway.Store, gateway.CustomerId, new() { CreatedAt = DashboardSeed.Epoch.AddHours(5), CostUsd = 0.50m });
        var byDayAfter = await gateway.GetApiAsync($"costs?by=day&{since}", gateway.AdminToken);
        var byCustomer = await gateway.GetApiAsync($"costs?by=customer&{since}", gateway.AdminToken);

        static List<(string, decimal, int)> Rows(GatewayAnswer answer) =>
            [.. answer.Json.GetProperty("rows").EnumerateArray().Select(r => (r.Str("key"), r.GetProperty("total_usd").GetDecimal(), r.GetProperty("tasks").GetInt32()))];
        static (decimal, int) Total(GatewayAnswer answer) =>
            (answer.Json.GetProperty("total").GetProperty("total_usd").GetDecimal(), answer.Json.GetProperty("total").GetProperty("tasks").GetInt32());
        Assert.Equal([("2025-03-14", 0.20m, 1), ("2025-03-15", 8.05m, 3)], Rows(byDay));
        Assert.Equal((8.25m, 4), Total(byDay));
        Assert.Equal([("2025-03-14", 0.70m, 2), ("2025-03-15", 8.05m, 3)], Rows(byDayAfter));
        Assert.Equal([("globex", 7.00m, 1), ("acme", 1.75m, 4)], Rows(byCustomer));
        Assert.Equal((8.75m, 5), Total(byCustomer));
    }

    [Fact]
    public async Task Budgets_show_spending_and_only_the_callers_customers()
    {
        await using var gateway = await DashboardClient.StartAsync();
        await SeedAsync(gateway);
        var globex = (await gateway.Store.FindCustomerAsync("globex", Ct))!;
        await gateway.Store.UpsertBudgetAsync(new Budget { Id = "bud_acme", Scope = BudgetScope.Customer, ScopeId = gateway.CustomerId, CustomerId = gateway.CustomerId, LimitUsd = 10m, CreatedAt = DashboardSeed.Epoch }, Ct);
        await gateway.Store.UpsertBudgetAsync(new Budget { Id = "bud_globex", Scope = BudgetScope.Customer, ScopeId = globex.Id, CustomerId = globex.Id, LimitUsd = 5m, Period = BudgetPeriod.Monthly, CreatedAt = DashboardSeed.Epoch.AddSeconds(1) }, Ct);
        await gateway.App.Services.GetRequiredService<BudgetLedger>().ReloadAsync(Ct);

        var admin = await gateway.GetApiAsync("budgets", gateway.AdminToken);
        var acme = await gateway.GetApiAsync("budgets", gateway.Key);

        Assert.Equal([gateway.CustomerId, globex.Id], admin.Json.GetProperty("budgets").EnumerateArray().Select(b => b.Str("customer_id")));
        var own = Assert.Single(acme.Json.GetProperty("budgets").EnumerateArray());
        Assert.Equal(("customer", "total", 10m, 1.35m), (own.Str("scope"), own.Str("period"), own.GetProperty("limit_usd").GetDecimal(), own.GetProperty("spent_usd").GetDecimal()));
    }
}
