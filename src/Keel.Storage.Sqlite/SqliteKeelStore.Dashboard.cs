using Keel.Approvals;
using Keel.Customers;
using Keel.Storage.Sqlite.Schema;
using Keel.Tasks;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    public ValueTask<long> CountTasksAsync(TaskQuery query, long cap, CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            ArgumentNullException.ThrowIfNull(query);
            using var command = connection.CreateCommand();
            command.Parameters.AddWithValue("$cap", cap);
            if (query.Model is { } model && ModelIsRare(connection, model, cap))
            {
                // Few calls of this model: start from them (index only) and check the other filters on those tasks,
                // instead of walking every task to probe its usage and steps, as the filter does for a page.
                var others = TaskFilters(command, query with { Model = null });
                command.Parameters.AddWithValue("$model", model);
                command.CommandText = $"""
                    SELECT count(*) FROM (
                        SELECT 1 FROM tasks
                        WHERE id IN (SELECT task_id FROM usage_events WHERE kind = 'model' AND resource = $model
                                     UNION SELECT task_id FROM steps WHERE kind = 'model' AND name = $model
                                     UNION SELECT id FROM tasks WHERE model_override = $model)
                              {string.Concat(others.Select(term => " AND " + term))}
                        LIMIT $cap)
                    """;
                return (long)command.ExecuteScalar()!;
            }

            var where = TaskFilters(command, query);
            var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
            command.CommandText = $"SELECT count(*) FROM (SELECT 1 FROM tasks {filter} LIMIT $cap)";
            return (long)command.ExecuteScalar()!;
        }, cancellationToken);

    /// <summary>
    /// Whether the model has fewer than twice <paramref name="cap"/> usage rows and model steps (two bounded index
    /// counts): then its tasks are fewer than that too, and counting from its side reads at most that many entries.
    /// A model used more often matches tasks densely, and the walk in creation order stops at the cap early.
    /// </summary>
    private static bool ModelIsRare(SqliteConnection connection, string model, long cap)
    {
        using var probe = connection.CreateCommand();
        probe.CommandText = """
            SELECT (SELECT count(*) FROM (SELECT 1 FROM usage_events WHERE kind = 'model' AND resource = $model LIMIT $bound))
                 + (SELECT count(*) FROM (SELECT 1 FROM steps WHERE kind = 'model' AND name = $model LIMIT $bound))
            """;
        probe.Parameters.AddWithValue("$model", model);
        probe.Parameters.AddWithValue("$bound", 2 * cap);
        return (long)probe.ExecuteScalar()! < 2 * cap;
    }

    public ValueTask<TaskCounts> GetTaskCountsAsync(string? customerId = null, CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                SELECT count(*),
                       count(CASE WHEN status = 'running' THEN 1 END),
                       count(CASE WHEN status = 'waiting' THEN 1 END),
                       count(CASE WHEN status = 'failed' THEN 1 END),
                       coalesce(sum(cost_nanousd), 0)
                FROM tasks {(customerId is null ? "" : "WHERE customer_id = $customer")}
                """;
            if (customerId is not null)
            {
                command.Parameters.AddWithValue("$customer", customerId);
            }

            using var reader = command.ExecuteReader();
            reader.Read();
            return new TaskCounts(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), SqlValues.Usd(reader.GetInt64(4)));
        }, cancellationToken);

    public ValueTask<Session?> GetSessionAsync(string sessionId, CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = "SELECT id, customer_id, created_at FROM sessions WHERE id = $id";
            query.Parameters.AddWithValue("$id", sessionId);
            using var reader = query.ExecuteReader();
            return reader.Read() ? new Session(reader.GetString(0), reader.GetString(1), SqlValues.Time(reader.GetInt64(2))) : null;
        }, cancellationToken);

    public ValueTask<IReadOnlyList<Approval>> GetTaskApprovalsAsync(string taskId, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<Approval>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {ApprovalColumns} FROM approvals WHERE task_id = $task ORDER BY seq";
            command.Parameters.AddWithValue("$task", taskId);
            using var reader = command.ExecuteReader();
            var approvals = new List<Approval>();
            while (reader.Read())
            {
                approvals.Add(ReadApproval(reader));
            }

            return approvals;
        }, cancellationToken);

    public ValueTask<IReadOnlyList<Approval>> ListApprovalsAsync(string? customerId, ApprovalStatus? status, int limit, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<Approval>>(connection =>
        {
            using var command = connection.CreateCommand();
            var where = new List<string>();
            if (status is { } s)
            {
                where.Add("status = $status");
                command.Parameters.AddWithValue("$status", s.ToString().ToLowerInvariant());
            }

            if (customerId is not null)
            {
                where.Add("customer_id = $customer");
                command.Parameters.AddWithValue("$customer", customerId);
            }

            var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
            command.CommandText = $"SELECT {ApprovalColumns} FROM approvals {filter} ORDER BY requested_at DESC LIMIT $limit";
            command.Parameters.AddWithValue("$limit", limit);
            using var reader = command.ExecuteReader();
            var approvals = new List<Approval>();
            while (reader.Read())
            {
                approvals.Add(ReadApproval(reader));
            }

            return approvals;
        }, cancellationToken);
}
