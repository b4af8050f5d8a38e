using Keel.Storage.Sqlite.Schema;
using Keel.Tasks;
using Xunit;

namespace Keel.Storage.Sqlite.Tests;

public sealed class SqliteMigrationTests : IDisposable
{
    private static readonly string[] VersionOneTables = ["blobs", "context_snapshots", "customers", "sessions", "spans", "steps", "tasks", "usage_events"];

    private static readonly string[] Tables =
    [
        "api_keys", "approvals",
        "billing_accounts", "billing_counters", "billing_credit_note_lines", "billing_credit_notes", "billing_cursors", "billing_events",
        "billing_invoice_events", "billing_invoice_lines", "billing_invoices", "billing_plans", "billing_subscriptions", "billing_task_changes",
        "blobs", "budget_events", "budgets", "context_snapshots", "cost_rollup", "cost_rollup_split_tasks", "cost_rollup_task_cells", "customers", "interventions",
        "memories", "memories_fts", "memories_fts_config", "memories_fts_data", "memories_fts_docsize", "memories_fts_idx", "memory_ingestion", "memory_retention", "memory_vectors",
        "otlp_trace_log", "otlp_traces", "session_messages", "session_state",
        "sessions", "settings", "spans", "steps", "tasks", "tool_state", "tool_state_history", "usage_events",
    ];

    private static readonly string[] ListingIndexes =
    [
        "approvals_by_status",
        "billing_events_by_invoice", "billing_events_by_key", "billing_events_by_target", "billing_events_by_task",
        "billing_invoices_by_period", "billing_invoices_one_per_period", "billing_subscriptions_by_customer",
        "cost_rollup_by_customer", "interventions_by_task",
        "memories_fact", "memories_hash", "memories_scope", "memories_session", "memories_source_external", "memories_source_session", "memories_superseded_by",
        "memory_ingestion_pending", "steps_by_model", "tasks_by_agent", "tasks_by_created", "tasks_by_customer", "tasks_by_model_override", "tasks_by_session",
        "tasks_by_status", "tasks_children", "tasks_due", "tasks_leased", "usage_by_customer_day", "usage_by_model", "usage_by_task",
    ];

    private readonly TempDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenAsync_NewFile_MigratesToLatestVersion()
    {
        await using var store = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct);

        Assert.Equal(SqliteKeelStore.LatestSchemaVersion, store.SchemaVersion);
        Assert.True(SqliteKeelStore.LatestSchemaVersion >= 2);
    }

    [Fact]
    public async Task OpenAsync_NewFile_CreatesTablesAndIndexes()
    {
        await (await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct)).DisposeAsync();

        using var raw = _database.OpenRaw();
        Assert.Equal(Tables, RawSql.Names(raw, "table"));
        Assert.Equal(ListingIndexes, RawSql.Names(raw, "index"));
        Assert.Equal((long)SqliteKeelStore.LatestSchemaVersion, RawSql.Scalar(raw, "PRAGMA user_version"));
    }

    [Fact]
    public void Migrate_ToVersionOne_StopsThere()
    {
        using var raw = _database.OpenRaw();

        SqliteMigrator.Migrate(raw, _database.Path, targetVersion: 1);

        Assert.Equal(1, SqliteMigrator.CurrentVersion(raw));
        Assert.Equal(VersionOneTables, RawSql.Names(raw, "table"));
        Assert.Empty(RawSql.Names(raw, "index"));
    }

    [Fact]
    public async Task OpenAsync_FileAtVersionOne_MigratesAndKeepsRows()
    {
        using (var raw = _database.OpenRaw())
        {
            SqliteMigrator.Migrate(raw, _database.Path, targetVersion: 1);
            RawSql.Execute(raw, """
                INSERT INTO customers (id, name, created_at) VALUES ('cus_legacy', 'legacy', 1700000000000000);
                INSERT INTO tasks (id, customer_id, agent, status, input, created_at, started_at, steps, cost_nanousd)
                VALUES ('task_legacy', 'cus_legacy', 'researcher', 'running', 'old question', 1700000000000000, 1700000001000000, 3, 1500);
                """);
        }

        await using var store = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct);

        Assert.Equal(SqliteKeelStore.LatestSchemaVersion, store.SchemaVersion);
        var summary = await store.GetTaskSummaryAsync("task_legacy", Ct);
        Assert.NotNull(summary);
        Assert.Equal("cus_legacy", summary.Task.CustomerId);
        Assert.Equal("researcher", summary.Task.Agent);
        Assert.Equal(AgentTaskStatus.Running, summary.Task.Status);
        Assert.Equal("old question", summary.Task.Input);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), summary.Task.CreatedAt);
        Assert.Equal(TimeSpan.FromSeconds(1), summary.Task.StartedAt - summary.Task.CreatedAt);
        Assert.Equal(3, summary.Steps);
        Assert.Equal(0.0000015m, summary.CostUsd);
        Assert.Equal("task_legacy", (await store.FindTaskAsync("task_leg", Ct))?.Id);
        Assert.Equal("cus_legacy", (await store.EnsureCustomerAsync("legacy", Ct)).Id);
        Assert.Equal(["task_legacy"], (await store.ListTasksAsync(new TaskQuery { Agent = "researcher" }, Ct)).Select(s => s.Task.Id));

        using var check = _database.OpenRaw();
        Assert.Equal(ListingIndexes, RawSql.Names(check, "index"));
    }

    [Fact]
    public async Task OpenAsync_FileAtLatestVersion_OpensAgainWithoutChange()
    {
        await (await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct)).DisposeAsync();

        await using var store = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct);

        Assert.Equal(SqliteKeelStore.LatestSchemaVersion, store.SchemaVersion);
    }

    [Fact]
    public async Task OpenAsync_FileFromNewerKeel_RefusedWithStoreException()
    {
        using (var raw = _database.OpenRaw())
        {
            RawSql.Execute(raw, $"CREATE TABLE future (x); PRAGMA user_version = {SqliteKeelStore.LatestSchemaVersion + 1};");
        }

        var ex = await Assert.ThrowsAsync<StoreException>(() => SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct));

        Assert.Contains("newer", ex.Message, StringComparison.Ordinal);
        using var check = _database.OpenRaw();
        Assert.Equal((long)SqliteKeelStore.LatestSchemaVersion + 1, RawSql.Scalar(check, "PRAGMA user_version"));
        Assert.Equal(["future"], RawSql.Names(check, "table"));
    }

    public void Dispose() => _database.Dispose();
}
