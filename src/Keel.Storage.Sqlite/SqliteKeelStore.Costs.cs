using Keel.Storage.Sqlite.Schema;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

/// <summary>
/// Cost reports. Whole UTC days come from <c>cost_rollup</c> (migration 19, kept by the journal writer's
/// <see cref="Journal.CostRollupWriter"/>); only the part of a day before the first whole one is read from usage_events.
/// The answer is the one a single pass over all the usage rows gives (<see cref="RawCostReport"/>, still used for a
/// report per task).
/// </summary>
public sealed partial class SqliteKeelStore
{
    private const long MicrosPerDay = 86_400_000_000;

    public ValueTask<IReadOnlyList<CostRow>> CostReportAsync(CostGrouping groupBy, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        CostReportAsync(groupBy, since, customerId: null, cancellationToken);

    public ValueTask<IReadOnlyList<CostRow>> CostReportAsync(CostGrouping groupBy, DateTimeOffset since, string? customerId, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<CostRow>>(connection =>
        {
            var sinceMicros = since == DateTimeOffset.MinValue ? long.MinValue : SqlValues.Micros(since);
            // One snapshot for the check and the report.
            using var transaction = connection.BeginTransaction(deferred: true);
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = UsesRollup(groupBy, sinceMicros, customerId, connection, transaction)
                ? RollupCostReport(groupBy, sinceMicros, customerId, command)
                : RawCostReport(groupBy, sinceMicros, customerId, command);
            return ReadCostRows(command);
        }, cancellationToken);

    /// <summary>
    /// A report per task lists every task anyway; a time before 1970 does not map onto the rollup's days; and over all
    /// customers, a task with usage under two of them would be counted twice.
    /// </summary>
    private static bool UsesRollup(CostGrouping groupBy, long sinceMicros, string? customerId, SqliteConnection connection, SqliteTransaction transaction)
    {
        if (groupBy == CostGrouping.Task || (sinceMicros < 0 && sinceMicros != long.MinValue))
        {
            return false;
        }

        if (customerId is not null)
        {
            return true;
        }

        using var split = connection.CreateCommand();
        split.Transaction = transaction;
        split.CommandText = "SELECT EXISTS (SELECT 1 FROM cost_rollup_split_tasks)";
        return (long)split.ExecuteScalar()! == 0;
    }

    private static string RollupCostReport(CostGrouping groupBy, long sinceMicros, string? customerId, SqliteCommand command)
    {
        // The first whole day at or after since; usage between since and its start is the partial edge.
        var firstDay = sinceMicros == long.MinValue ? long.MinValue : (sinceMicros + MicrosPerDay - 1) / MicrosPerDay;
        var edgeEnd = firstDay == long.MinValue ? long.MinValue : firstDay * MicrosPerDay;
        // The cells are summed by the rollup's own columns first (the day in primary-key order, needing no sort), then
        // the few groups that gives are named: a customer's name is looked up once per customer, not once per cell.
        // sameGroup: the task cell (l) that counts the task for the usage row's (u) group, one of the cells with the
        // group's bit (migration 25); the group's key is the cell's own customer, day, agent or model.
        var (counts, cellGroup, rollupKey, edgeKey, groupBit, sameGroup) = groupBy switch
        {
            CostGrouping.Customer => ("customer", "r.customer_id", "coalesce(c.name, r.customer_id)", "coalesce(c.name, u.customer_id)", 1, "1"),
            CostGrouping.Agent => ("agent", "r.agent", "r.agent", AgentKey, 4, $"l.agent = {AgentKey}"),
            CostGrouping.Model => ("model", "r.kind, r.resource", "CASE r.kind WHEN 'model' THEN r.resource ELSE '(' || r.kind || ')' END", ModelKey,
                                   8, $"CASE l.kind WHEN 'model' THEN l.resource ELSE '(' || l.kind || ')' END = {ModelKey}"),
            CostGrouping.Day => ("day", "r.day", "strftime('%Y-%m-%d', r.day * 86400, 'unixepoch')", DayKey, 2, "l.day = u.created_at / 86400000000"),
            _ => ("customer", "r.day", "'total'", "'total'", 1, "1"),
        };
        command.Parameters.AddWithValue("$first_day", firstDay);
        command.Parameters.AddWithValue("$since", sinceMicros);
        command.Parameters.AddWithValue("$since_day", UsageByCustomerDay.DayOf(sinceMicros));
        command.Parameters.AddWithValue("$edge_end", edgeEnd);
        if (customerId is not null)
        {
            command.Parameters.AddWithValue("$customer", customerId);
        }

        var rollup = $"""
            SELECT {rollupKey} AS k, sum(r.model) AS model, sum(r.tool) AS tool, sum(r.human) AS human, sum(r.tasks) AS tasks,
                   sum(r.successes) AS successes, sum(r.human_seconds) AS human_seconds, sum(r.total) AS total
            FROM (SELECT {cellGroup},
                         sum(CASE WHEN r.kind = 'model' THEN r.cost_nanousd ELSE 0 END) AS model,
                         sum(CASE WHEN r.kind = 'tool' THEN r.cost_nanousd ELSE 0 END) AS tool,
                         sum(CASE WHEN r.kind = 'human' THEN r.cost_nanousd ELSE 0 END) AS human,
                         sum(r.{counts}_tasks) AS tasks,
                         sum(r.{counts}_successes) AS successes,
                         sum(CASE WHEN r.kind = 'human' THEN r.quantity ELSE 0 END) AS human_seconds,
                         sum(r.cost_nanousd) AS total
                  FROM cost_rollup r
                  WHERE r.day >= $first_day {(customerId is null ? "" : "AND r.customer_id = $customer")}
                  GROUP BY {cellGroup}) AS r
            {(groupBy == CostGrouping.Customer ? "LEFT JOIN customers c ON c.id = r.customer_id" : "")}
            GROUP BY k
            """;
        if (edgeEnd <= sinceMicros)
        {
            return Ordered(rollup);
        }

        // The edge counts a task only when its last day of usage in the group is before the first whole day: one on or
        // after it is counted by the rollup already. (Customers' index: one seek per customer instead of a scan of all usage.)
        var edge = $"""
            SELECT {edgeKey} AS k,
                   sum(CASE WHEN u.kind = 'model' THEN u.cost_nanousd ELSE 0 END),
                   sum(CASE WHEN u.kind = 'tool' THEN u.cost_nanousd ELSE 0 END),
                   sum(CASE WHEN u.kind = 'human' THEN u.cost_nanousd ELSE 0 END),
                   count(DISTINCT CASE WHEN l.day < $first_day THEN u.task_id END),
                   count(DISTINCT CASE WHEN l.day < $first_day AND t.outcome = 'success' THEN u.task_id END),
                   sum(CASE WHEN u.kind = 'human' THEN CAST(u.quantity AS REAL) ELSE 0 END),
                   sum(u.cost_nanousd)
            FROM usage_events u
            LEFT JOIN tasks t ON t.id = u.task_id
            LEFT JOIN customers c ON c.id = u.customer_id
            LEFT JOIN cost_rollup_task_cells l
                ON l.task_id = u.task_id AND l.customer_id = u.customer_id AND l.group_bits & {groupBit} <> 0 AND {sameGroup}
            WHERE u.customer_id {(customerId is null ? "IN (SELECT id FROM customers)" : "= $customer")}
              AND {UsageByCustomerDay.Day} >= $since_day AND {UsageByCustomerDay.Day} < $first_day
              AND u.created_at >= $since AND u.created_at < $edge_end
            GROUP BY k
            """;
        return Ordered($"""
            SELECT k, sum(model), sum(tool), sum(human), sum(tasks), sum(successes), sum(human_seconds), sum(total) AS total
            FROM ({rollup}
                  UNION ALL
                  {edge})
            GROUP BY k
            """);

        static string Ordered(string report) => $"SELECT * FROM ({report}) ORDER BY total DESC, k";
    }

    private const string AgentKey = "coalesce(u.agent, t.agent, '(none)')";
    private const string ModelKey = "CASE u.kind WHEN 'model' THEN u.resource ELSE '(' || u.kind || ')' END";
    private const string DayKey = "strftime('%Y-%m-%d', u.created_at / 1000000, 'unixepoch')";

    /// <summary>The report from the usage rows alone: what the rollup must answer, and the report per task.</summary>
    private static string RawCostReport(CostGrouping groupBy, long sinceMicros, string? customerId, SqliteCommand command)
    {
        var key = groupBy switch
        {
            CostGrouping.Task => "u.task_id",
            CostGrouping.Customer => "coalesce(c.name, u.customer_id)",
            CostGrouping.Agent => AgentKey,
            CostGrouping.Model => ModelKey,
            CostGrouping.Day => DayKey,
            _ => "'total'",
        };
        command.Parameters.AddWithValue("$since", sinceMicros);
        if (customerId is not null)
        {
            command.Parameters.AddWithValue("$customer", customerId);
            command.Parameters.AddWithValue("$since_day", UsageByCustomerDay.DayOf(sinceMicros));
        }

        return $"""
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
            WHERE u.created_at >= $since {(customerId is null ? "" : $"AND u.customer_id = $customer AND {UsageByCustomerDay.Day} >= $since_day")}
            GROUP BY k
            ORDER BY sum(u.cost_nanousd) DESC, k
            """;
    }

    private static List<CostRow> ReadCostRows(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<CostRow>();
        while (reader.Read())
        {
            rows.Add(new CostRow(
                reader.IsDBNull(0) ? "(none)" : reader.GetString(0),
                SqlValues.Usd(reader.GetInt64(1)),
                SqlValues.Usd(reader.GetInt64(2)),
                SqlValues.Usd(reader.GetInt64(3)),
                reader.GetInt64(4),
                reader.GetInt64(5),
                reader.GetDouble(6)));
        }

        return rows;
    }
}
