using Keel.Journal;
using Keel.Oversight;
using Keel.Tasks;
using Keel.Usage;
using Keel.Storage.Sqlite.Schema;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Keel.Storage.Sqlite.Tests;

/// <summary>
/// Migration 19's cost rollup over usage written before it: the reports read from the backfilled rollup equal the
/// one pass over usage_events that answered them before. And usage can no longer be deleted or rewritten under it.
/// </summary>
public sealed class SqliteCostRollupTests : IDisposable
{
    private const int BeforeRollups = 18;
    private static readonly DateTimeOffset Day = new(2025, 6, 2, 0, 0, 0, TimeSpan.Zero);

    private readonly TempDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Migration_BackfillsRollups_ReportsEqualTheRawAggregation()
    {
        var expected = new List<(CostGrouping, DateTimeOffset, string?, List<CostRow>)>();
        using (var raw = _database.OpenRaw())
        {
            SqliteMigrator.Migrate(raw, _database.Path, targetVersion: BeforeRollups);
            SeedUsage(raw);
            foreach (var customer in new[] { null, "cus_a" })
            {
                foreach (var since in new[] { DateTimeOffset.MinValue, Day.AddDays(1), Day.AddDays(1).AddHours(7.25) })
                {
                    foreach (var grouping in new[] { CostGrouping.Day, CostGrouping.Customer, CostGrouping.Agent, CostGrouping.Model, CostGrouping.All })
                    {
                        expected.Add((grouping, since, customer, RawReport(raw, grouping, since, customer)));
                    }
                }
            }
        }

        await using var store = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct);

        Assert.All(expected, e => Assert.NotEmpty(e.Item4));
        foreach (var (grouping, since, customer, rows) in expected)
        {
            Assert.Equal(rows, await store.CostReportAsync(grouping, since, customer, Ct));
        }
    }

    [Fact]
    public async Task MigratedRollup_KeepsUpWithNewUsageAndOutcomes()
    {
        using (var raw = _database.OpenRaw())
        {
            SqliteMigrator.Migrate(raw, _database.Path, targetVersion: BeforeRollups);
            SeedUsage(raw);
        }

        await using (var store = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct))
        {
            // Each task's counts, placed by the migrations, move: usage on a later day, some with another agent or
            // model, some on a day the task already had; then outcomes turn to and from success.
            for (var i = 0; i < 12; i++)
            {
                var task = $"task_{i % 6}";
                var at = Day.AddDays(i < 6 ? 4 : 1).AddHours(i);
                var usage = new UsageEvent
                {
                    IdempotencyKey = $"late{i}",
                    CustomerId = i % 6 % 3 == 2 ? "cus_b" : "cus_a",
                    TaskId = task,
                    StepSeq = 100 + i,
                    Kind = UsageKind.Model,
                    Resource = i % 4 == 0 ? "new-model" : "gpt-a",
                    Agent = i % 5 == 0 ? "late-helper" : null,
                    InputTokens = 10,
                    OutputTokens = 5,
                    CostUsd = 0.0001m * (i + 1),
                    CreatedAt = at,
                };
                var step = new StepRecord
                {
                    TaskId = task, Seq = 100 + i, Kind = StepKind.Model, Name = usage.Resource, Status = StepStatus.Succeeded, Attempts = 1,
                    CostUsd = usage.CostUsd, StartedAt = at, EndedAt = at,
                };
                await store.CommitStepAsync(new StepCommit { Step = step, Usage = [usage] }, Ct);
            }

            await store.SetOutcomeAsync("task_1", TaskOutcome.Success, value: null, Ct);
            await store.SetOutcomeAsync("task_0", TaskOutcome.Failure, value: null, Ct);

            using var raw = _database.OpenRaw();
            foreach (var customer in new[] { null, "cus_a" })
            {
                foreach (var since in new[] { DateTimeOffset.MinValue, Day.AddDays(1).AddHours(7.25), Day.AddDays(4) })
                {
                    foreach (var grouping in new[] { CostGrouping.Day, CostGrouping.Customer, CostGrouping.Agent, CostGrouping.Model, CostGrouping.All })
                    {
                        Assert.Equal(RawReport(raw, grouping, since, customer), await store.CostReportAsync(grouping, since, customer, Ct));
                    }
                }
            }
        }
    }

    [Fact]
    public async Task UsageRows_CannotBeDeletedOrRewritten()
    {
        using (var raw = _database.OpenRaw())
        {
            SqliteMigrator.Migrate(raw, _database.Path, targetVersion: BeforeRollups);
            SeedUsage(raw);
        }

        await using (await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct))
        {
        }

        using var check = _database.OpenRaw();
        Assert.Throws<SqliteException>(() => RawSql.Execute(check, "DELETE FROM usage_events WHERE task_id = 'task_0'"));
        Assert.Throws<SqliteException>(() => RawSql.Execute(check, "UPDATE usage_events SET cost_nanousd = 0"));
        Assert.Throws<SqliteException>(() => RawSql.Execute(check, "UPDATE tasks SET agent = 'other' WHERE id = 'task_0'"));
        RawSql.Execute(check, "UPDATE usage_events SET session_id = 'kept' WHERE task_id = 'task_0'");
        Assert.Equal(60L, RawSql.Scalar(check, "SELECT count(*) FROM usage_events"));
    }

    public void Dispose() => _database.Dispose();

    /// <summary>Two customers, six tasks of three agents, usage of models, tools and people over three days, some outcomes.</summary>
    private static void SeedUsage(SqliteConnection raw)
    {
        RawSql.Execute(raw, """
            INSERT INTO customers (id, name, created_at) VALUES ('cus_a', 'acme', 0), ('cus_b', 'globex', 0);
            """);
        string[] agents = ["researcher", "writer", "triage"];
        for (var t = 0; t < 6; t++)
        {
            using var task = raw.CreateCommand();
            task.CommandText = """
                INSERT INTO tasks (id, customer_id, agent, status, created_at, outcome)
                VALUES ($id, $customer, $agent, 'succeeded', $created, $outcome)
                """;
            task.Parameters.AddWithValue("$id", $"task_{t}");
            task.Parameters.AddWithValue("$customer", t % 3 == 2 ? "cus_b" : "cus_a");
            task.Parameters.AddWithValue("$agent", agents[t % 3]);
            task.Parameters.AddWithValue("$created", SqlValues.Micros(Day));
            task.Parameters.AddWithValue("$outcome", t % 2 == 0 ? "success" : t == 3 ? "failure" : DBNull.Value);
            task.ExecuteNonQuery();
        }

        (string Kind, string Resource)[] uses = [("model", "gpt-a"), ("model", "claude-b"), ("tool", "search"), ("human", "approval"), ("model", "gpt-a")];
        for (var i = 0; i < 60; i++)
        {
            var task = i * 7 % 6;
            var (kind, resource) = uses[i % uses.Length];
            using var usage = raw.CreateCommand();
            usage.CommandText = """
                INSERT INTO usage_events (idempotency_key, customer_id, task_id, step_seq, kind, resource, input_tokens, cached_input_tokens,
                                          output_tokens, quantity, cost_nanousd, created_at, agent)
                VALUES ($key, $customer, $task, $seq, $kind, $resource, 10, 0, 5, $quantity, $cost, $created, $agent)
                """;
            usage.Parameters.AddWithValue("$key", $"u{i}");
            usage.Parameters.AddWithValue("$customer", task % 3 == 2 ? "cus_b" : "cus_a");
            usage.Parameters.AddWithValue("$task", i % 10 == 9 ? DBNull.Value : $"task_{task}");
            usage.Parameters.AddWithValue("$seq", i);
            usage.Parameters.AddWithValue("$kind", kind);
            usage.Parameters.AddWithValue("$resource", resource);
            usage.Parameters.AddWithValue("$quantity", kind == "human" ? (30 + i).ToString(System.Globalization.CultureInfo.InvariantCulture) : "1");
            usage.Parameters.AddWithValue("$cost", 1_000 + (i * 7_919 % 100_000));
            usage.Parameters.AddWithValue("$created", SqlValues.Micros(Day.AddMinutes(i * 97 % (3 * 24 * 60))));
            usage.Parameters.AddWithValue("$agent", i % 4 == 0 ? "helper" : DBNull.Value);
            usage.ExecuteNonQuery();
        }
    }

    /// <summary>The report as the store computed it before migration 19: one pass over the usage rows.</summary>
    private static List<CostRow> RawReport(SqliteConnection raw, CostGrouping grouping, DateTimeOffset since, string? customerId)
    {
        var key = grouping switch
        {
            CostGrouping.Customer => "coalesce(c.name, u.customer_id)",
            CostGrouping.Agent => "coalesce(u.agent, t.agent, '(none)')",
            CostGrouping.Model => "CASE u.kind WHEN 'model' THEN u.resource ELSE '(' || u.kind || ')' END",
            CostGrouping.Day => "strftime('%Y-%m-%d', u.created_at / 1000000, 'unixepoch')",
            _ => "'total'",
        };
        using var query = raw.CreateCommand();
        query.CommandText = $"""
            SELECT {key} AS k,
                   sum(CASE WHEN u.kind = 'model' THEN u.cost_nanousd ELSE 0 END),
                   sum(CASE WHEN u.kind = 'tool' THEN u.cost_nanousd ELSE 0 END),
                   sum(CASE WHEN u.kind = 'human' THEN u.cost_nanousd ELSE 0 END),
                   count(DISTINCT u.task_id),
                   count(DISTINCT CASE WHEN t.outcome = 'success' THEN u.task_id END),
                   sum(CASE WHEN u.kind = 'human' THEN CAST(u.quantity AS REAL) ELSE 0 END)
            FROM usage_events u
            LEFT JOIN tasks t ON t.id = u.task_id
            LEFT JOIN customers c ON c.id = u.customer_id
            WHERE u.created_at >= $since {(customerId is null ? "" : "AND u.customer_id = $customer")}
            GROUP BY k
            ORDER BY sum(u.cost_nanousd) DESC, k
            """;
        query.Parameters.AddWithValue("$since", since == DateTimeOffset.MinValue ? long.MinValue : SqlValues.Micros(since));
        query.Parameters.AddWithValue("$customer", (object?)customerId ?? DBNull.Value);
        using var reader = query.ExecuteReader();
        var rows = new List<CostRow>();
        while (reader.Read())
        {
            rows.Add(new CostRow(reader.GetString(0), SqlValues.Usd(reader.GetInt64(1)), SqlValues.Usd(reader.GetInt64(2)), SqlValues.Usd(reader.GetInt64(3)),
                reader.GetInt64(4), reader.GetInt64(5), reader.GetDouble(6)));
        }

        return rows;
    }
}
