using Keel.Approvals;
using Keel.Customers;
using Keel.Storage.Sqlite.Schema;
using Keel.Tasks;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    public ValueTask<long> CountTasksAsync(TaskQuery query, long cap, CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            ArgumentNullException.ThrowIfNull(query);
            using var command = connection.CreateCommand();
            var where = TaskFilters(command, query);
            var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
            command.CommandText = $"SELECT count(*) FROM (SELECT 1 FROM tasks {filter} LIMIT $cap)";
            command.Parameters.AddWithValue("$cap", cap);
            return (long)command.ExecuteScalar()!;
        }, cancellationToken);

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
