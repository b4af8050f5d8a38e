using Keel.Budgets;
using Keel.Storage.Sqlite.Schema;
using Xunit;

namespace Keel.Storage.Sqlite.Tests;

/// <summary>Budgets are unique per scope and customer: two customers' agents of one name have a budget each.</summary>
public sealed class BudgetMigrationTests : IDisposable
{
    private readonly TempDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _database.Dispose();

    private static Budget AgentBudget(string customerId, decimal limit) => new()
    {
        Id = Keel.Tasks.KeelIds.New("bud"), Scope = BudgetScope.Agent, ScopeId = "support", CustomerId = customerId, LimitUsd = limit, CreatedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task Two_customers_agents_of_one_name_keep_separate_budgets()
    {
        await using var store = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct);
        var acme = await store.EnsureCustomerAsync("acme", Ct);
        var globex = await store.EnsureCustomerAsync("globex", Ct);

        var acmes = await store.UpsertBudgetAsync(AgentBudget(acme.Id, 40m), Ct);
        var globexs = await store.UpsertBudgetAsync(AgentBudget(globex.Id, 7m), Ct);
        var changed = await store.UpsertBudgetAsync(AgentBudget(acme.Id, 45m), Ct);

        Assert.NotEqual(acmes.Id, globexs.Id);
        Assert.Equal(acmes.Id, changed.Id);
        Assert.Equal((globex.Id, 7m), (globexs.CustomerId, globexs.LimitUsd));
        var budgets = await store.ListBudgetsAsync(Ct);
        Assert.Equal([(acme.Id, 45m), (globex.Id, 7m)], budgets.Select(b => (b.CustomerId, b.LimitUsd)).OrderBy(b => b.LimitUsd).Reverse());
    }

    [Fact]
    public async Task A_file_at_version_six_keeps_its_budgets_and_their_events()
    {
        using (var raw = _database.OpenRaw())
        {
            RawSql.Execute(raw, "PRAGMA foreign_keys = ON;");
            SqliteMigrator.Migrate(raw, _database.Path, targetVersion: 6);
            RawSql.Execute(raw, """
                INSERT INTO customers (id, name, created_at) VALUES ('cus_acme', 'acme', 1700000000000000);
                INSERT INTO budgets (id, scope, scope_id, customer_id, limit_nanousd, period, thresholds, webhook_url, created_at)
                VALUES ('bud_old', 'agent', 'support', 'cus_acme', 40000000000, 'daily', '0.5,1', 'http://127.0.0.1:9/hook', 1700000000000000);
                INSERT INTO budget_events (id, budget_id, threshold, spent_nanousd, limit_nanousd, period_start, at)
                VALUES ('bev_old', 'bud_old', '0.5', 21000000000, 40000000000, 1699920000000000, 1700000000000000);
                """);
        }

        await using var store = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct);

        Assert.Equal(SqliteKeelStore.LatestSchemaVersion, store.SchemaVersion);
        var budget = Assert.Single(await store.ListBudgetsAsync(Ct));
        Assert.Equal(("bud_old", BudgetScope.Agent, "support", "cus_acme", 40m, BudgetPeriod.Daily), (budget.Id, budget.Scope, budget.ScopeId, budget.CustomerId, budget.LimitUsd, budget.Period));
        Assert.Equal([0.5m, 1m], budget.Thresholds);
        Assert.Equal("http://127.0.0.1:9/hook", budget.WebhookUrl);
        Assert.Equal("bud_old", Assert.Single(await store.ListBudgetEventsAsync(10, Ct)).BudgetId);
        var globex = await store.EnsureCustomerAsync("globex", Ct);
        await store.UpsertBudgetAsync(AgentBudget(globex.Id, 7m), Ct);
        Assert.Equal(2, (await store.ListBudgetsAsync(Ct)).Count);
        using var check = _database.OpenRaw();
        Assert.Null(RawSql.Scalar(check, "PRAGMA foreign_key_check"));
    }
}
