using System.Globalization;
using Keel.Oversight;
using Keel.Storage.Sqlite.Schema;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    public async ValueTask<bool> SetOutcomeAsync(string taskId, TaskOutcome outcome, decimal? value, CancellationToken cancellationToken = default) =>
        await WriteAsync(connection =>
        {
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE tasks SET outcome = $outcome, outcome_value = $value, outcome_at = $at WHERE id = $id";
            update.Parameters.AddWithValue("$id", taskId);
            update.Parameters.AddWithValue("$outcome", outcome.ToString().ToLowerInvariant());
            update.Parameters.AddWithValue("$value", value is { } v ? v.ToString(CultureInfo.InvariantCulture) : DBNull.Value);
            update.Parameters.AddWithValue("$at", SqlValues.Micros(_time.GetUtcNow()));
            return update.ExecuteNonQuery() == 1;
        }, cancellationToken).ConfigureAwait(false);

    public ValueTask<decimal> HumanRateAsync(string customerId, CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = "SELECT human_rate_nanousd_per_hour FROM customers WHERE id = $id";
            query.Parameters.AddWithValue("$id", customerId);
            return query.ExecuteScalar() is long nano ? SqlValues.Usd(nano) : HumanRates.DefaultUsdPerHour;
        }, cancellationToken);

    public async ValueTask SetHumanRateAsync(string customerId, decimal usdPerHour, CancellationToken cancellationToken = default) =>
        await WriteAsync(connection =>
        {
            using var update = connection.CreateCommand();
            update.CommandText = "UPDATE customers SET human_rate_nanousd_per_hour = $rate WHERE id = $id";
            update.Parameters.AddWithValue("$id", customerId);
            update.Parameters.AddWithValue("$rate", SqlValues.Nano(usdPerHour));
            return update.ExecuteNonQuery() == 1 ? 0 : throw new StoreException($"No customer '{customerId}'.");
        }, cancellationToken).ConfigureAwait(false);

    public ValueTask<IReadOnlyList<Intervention>> GetInterventionsAsync(string taskId, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<Intervention>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = """
                SELECT id, customer_id, step_seq, actor, kind, decision, started_at, ended_at, note
                FROM interventions WHERE task_id = $task ORDER BY started_at, id
                """;
            query.Parameters.AddWithValue("$task", taskId);
            using var reader = query.ExecuteReader();
            var interventions = new List<Intervention>();
            while (reader.Read())
            {
                interventions.Add(new Intervention
                {
                    Id = reader.GetString(0),
                    TaskId = taskId,
                    CustomerId = reader.GetString(1),
                    StepSeq = reader.IsDBNull(2) ? null : reader.GetInt32(2),
                    Actor = reader.GetString(3),
                    Kind = Enum.Parse<InterventionKind>(reader.GetString(4), ignoreCase: true),
                    Decision = NullableString(reader, 5),
                    StartedAt = SqlValues.Time(reader.GetInt64(6)),
                    EndedAt = SqlValues.Time(reader.GetInt64(7)),
                    Note = NullableString(reader, 8),
                });
            }

            return interventions;
        }, cancellationToken);

    public ValueTask<IReadOnlyList<CostRow>> CostReportAsync(CostGrouping groupBy, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        CostReportAsync(groupBy, since, customerId: null, cancellationToken);

    public ValueTask<IReadOnlyList<CostRow>> CostReportAsync(CostGrouping groupBy, DateTimeOffset since, string? customerId, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<CostRow>>(connection =>
        {
            var key = groupBy switch
            {
                CostGrouping.Task => "u.task_id",
                CostGrouping.Customer => "coalesce(c.name, u.customer_id)",
                CostGrouping.Agent => "coalesce(u.agent, t.agent, '(none)')",
                CostGrouping.Model => "CASE u.kind WHEN 'model' THEN u.resource ELSE '(' || u.kind || ')' END",
                CostGrouping.Day => "strftime('%Y-%m-%d', u.created_at / 1000000, 'unixepoch')",
                _ => "'total'",
            };
            using var query = connection.CreateCommand();
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
            if (customerId is not null)
            {
                query.Parameters.AddWithValue("$customer", customerId);
            }

            using var reader = query.ExecuteReader();
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
        }, cancellationToken);
}
