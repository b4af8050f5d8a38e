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
}
