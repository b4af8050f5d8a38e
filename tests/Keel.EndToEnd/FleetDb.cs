using Microsoft.Data.Sqlite;

namespace Keel.EndToEnd;

/// <summary>
/// Reads a Keel database straight from its tables, read-only, while another process may be writing it: what the
/// crash test watches and audits, without going through the store it is checking.
/// </summary>
internal sealed class FleetDb(string path)
{
    public FleetProgress Progress()
    {
        using var connection = Open();
        using var query = connection.CreateCommand();
        query.CommandText = """
            SELECT (SELECT count(*) FROM tasks),
                   (SELECT count(*) FROM tasks WHERE status = 'running'),
                   (SELECT count(*) FROM tasks WHERE status IN ('succeeded', 'failed')),
                   (SELECT count(*) FROM steps)
            """;
        using var reader = query.ExecuteReader();
        reader.Read();
        return new FleetProgress(reader.GetInt32(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3));
    }

    /// <summary>Each task's status and how many steps its journal holds.</summary>
    public IReadOnlyDictionary<string, (string Status, int Steps)> Journals() => Rows(
        "SELECT t.id, t.status, (SELECT count(*) FROM steps s WHERE s.task_id = t.id) FROM tasks t",
        r => (Id: r.GetString(0), Status: r.GetString(1), Steps: r.GetInt32(2))).ToDictionary(j => j.Id, j => (j.Status, j.Steps));

    public IReadOnlyList<TaskRow> Tasks() => Rows(
        "SELECT id, customer_id, status, error, cost_nanousd FROM tasks",
        r => new TaskRow(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt64(4)));

    public IReadOnlyList<StepRow> Steps() => Rows(
        "SELECT task_id, seq, kind, name, status, ended_at, cost_nanousd FROM steps",
        r => new StepRow(r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt64(5), r.GetInt64(6)));

    public IReadOnlyList<UsageRow> Usage() => Rows(
        "SELECT idempotency_key, customer_id, task_id, step_seq, kind, cost_nanousd FROM usage_events",
        r => new UsageRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetString(4), r.GetInt64(5)));

    private List<T> Rows<T>(string sql, Func<SqliteDataReader, T> read)
    {
        using var connection = Open();
        using var query = connection.CreateCommand();
        query.CommandText = sql;
        using var reader = query.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    // Not pooled: no handle outlives the read, so the temp directory can go when the test ends.
    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 10,
        }.ToString());
        connection.Open();
        return connection;
    }
}

internal sealed record FleetProgress(int Tasks, int Running, int Finished, int Steps);

internal sealed record TaskRow(string Id, string CustomerId, string Status, string? Error, long CostNanoUsd);

/// <param name="EndedAt">Unix microseconds: when the step's result was taken, just before its commit.</param>
internal sealed record StepRow(string TaskId, int Seq, string Kind, string Name, string Status, long EndedAt, long CostNanoUsd)
{
    /// <summary>The step's <c>ToolCall.IdempotencyKey</c>.</summary>
    public string Key => $"{TaskId}/{Seq}";
}

internal sealed record UsageRow(string IdempotencyKey, string CustomerId, string TaskId, int StepSeq, string Kind, long CostNanoUsd);
