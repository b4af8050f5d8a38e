using System.Text.Json;
using Keel.Approvals;
using Keel.Storage.Sqlite.Schema;
using Keel.Tasks;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    public async ValueTask<AgentTask?> ClaimTaskAsync(TaskClaim claim, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        if (claim.Agents.Count == 0)
        {
            return null;
        }

        var agents = SqliteJson.Array(claim.Agents);
        return await WriteAsync(connection =>
        {
            // One statement: the single writer makes it atomic, so two workers never take the same task.
            using var command = connection.CreateCommand();
            command.CommandText = $"""
                UPDATE tasks SET status = 'running', lease_owner = $worker, lease_expires_at = $until, due_at = $until, wake_at = NULL,
                                 started_at = coalesce(started_at, $now)
                WHERE id = (SELECT id FROM tasks WHERE due_at <= $now AND agent IN (SELECT value FROM json_each($agents)) ORDER BY due_at LIMIT 1)
                RETURNING {TaskColumns}
                """;
            command.Parameters.AddWithValue("$worker", claim.Worker);
            command.Parameters.AddWithValue("$now", SqlValues.Micros(claim.Now));
            command.Parameters.AddWithValue("$until", SqlValues.Micros(claim.Now + claim.Lease));
            command.Parameters.AddWithValue("$agents", agents);
            using var reader = command.ExecuteReader();
            return reader.Read() ? ReadSummary(reader).Task : null;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IReadOnlyList<string>> RenewLeasesAsync(string worker, IReadOnlyCollection<string> taskIds, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        var ids = SqliteJson.Array(taskIds);
        return await WriteAsync<IReadOnlyList<string>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE tasks SET lease_expires_at = $until, due_at = $until
                WHERE id IN (SELECT value FROM json_each($ids)) AND lease_owner = $worker AND status = 'running'
                RETURNING id
                """;
            command.Parameters.AddWithValue("$worker", worker);
            command.Parameters.AddWithValue("$until", SqlValues.Micros(until));
            command.Parameters.AddWithValue("$ids", ids);
            return ReadStrings(command);
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<string>> ListLeaseOwnersAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<string>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT DISTINCT lease_owner FROM tasks WHERE lease_owner IS NOT NULL AND status = 'running'";
            return ReadStrings(command);
        }, cancellationToken);

    public ValueTask<int> ExpireLeasesAsync(string worker, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WriteAsync(connection =>
        {
            using var command = connection.CreateCommand();
            // Due from their creation, not from now: a task taken back from a dead worker has progress to finish and
            // goes ahead of tasks queued after it, instead of behind the whole queue.
            command.CommandText = "UPDATE tasks SET lease_expires_at = $now, due_at = min(created_at, $now) WHERE lease_owner = $worker AND status = 'running'";
            command.Parameters.AddWithValue("$worker", worker);
            command.Parameters.AddWithValue("$now", SqlValues.Micros(now));
            return command.ExecuteNonQuery();
        }, cancellationToken);

    public ValueTask<DateTimeOffset?> NextDueAsync(IReadOnlyCollection<string> agents, CancellationToken cancellationToken = default)
    {
        var names = SqliteJson.Array(agents);
        return ReadAsync<DateTimeOffset?>(connection =>
        {
            using var command = connection.CreateCommand();
            // A task waiting for a person is left out even when its approval has a timeout: a drain does not wait
            // a day for nobody to decide (once the timeout has passed, a claim takes the task all the same).
            command.CommandText = """
                SELECT min(due_at) FROM tasks
                WHERE due_at IS NOT NULL AND agent IN (SELECT value FROM json_each($agents))
                  AND NOT (status = 'waiting' AND EXISTS (SELECT 1 FROM approvals a WHERE a.task_id = tasks.id AND a.status = 'pending'))
                """;
            command.Parameters.AddWithValue("$agents", names);
            return command.ExecuteScalar() is long due ? SqlValues.Time(due) : null;
        }, cancellationToken);
    }

    public ValueTask<AgentTask?> FindChildTaskAsync(string parentId, int parentStep, CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {TaskColumns} FROM tasks WHERE parent_id = $parent AND parent_step = $step";
            command.Parameters.AddWithValue("$parent", parentId);
            command.Parameters.AddWithValue("$step", parentStep);
            using var reader = command.ExecuteReader();
            return reader.Read() ? ReadSummary(reader).Task : null;
        }, cancellationToken);

    public ValueTask<Approval?> GetApprovalAsync(string taskId, int seq, CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {ApprovalColumns} FROM approvals WHERE task_id = $task AND seq = $seq";
            command.Parameters.AddWithValue("$task", taskId);
            command.Parameters.AddWithValue("$seq", seq);
            using var reader = command.ExecuteReader();
            return reader.Read() ? ReadApproval(reader) : null;
        }, cancellationToken);

    public ValueTask<Approval?> DecideApprovalAsync(string taskId, ApprovalDecision decision, DateTimeOffset decidedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        return WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            using var decide = connection.CreateCommand();
            decide.Transaction = transaction;
            decide.CommandText = $"""
                UPDATE approvals SET status = $status, decided_by = $by, decided_at = $at, note = $note, review_seconds = $seconds
                WHERE task_id = $task AND seq = (SELECT min(seq) FROM approvals WHERE task_id = $task AND status = 'pending')
                RETURNING {ApprovalColumns}
                """;
            decide.Parameters.AddWithValue("$task", taskId);
            decide.Parameters.AddWithValue("$status", decision.Approved ? "approved" : "rejected");
            decide.Parameters.AddWithValue("$by", decision.DecidedBy);
            decide.Parameters.AddWithValue("$at", SqlValues.Micros(decidedAt));
            decide.Parameters.AddWithValue("$note", (object?)decision.Note ?? DBNull.Value);
            decide.Parameters.AddWithValue("$seconds", (object?)decision.ReviewSeconds ?? DBNull.Value);
            Approval? decided;
            using (var reader = decide.ExecuteReader())
            {
                decided = reader.Read() ? ReadApproval(reader) : null;
            }

            if (decided is not null)
            {
                using var wake = connection.CreateCommand();
                wake.Transaction = transaction;
                wake.CommandText = "UPDATE tasks SET due_at = $at, wake_at = $at WHERE id = $task AND status = 'waiting'";
                wake.Parameters.AddWithValue("$task", taskId);
                wake.Parameters.AddWithValue("$at", SqlValues.Micros(decidedAt));
                wake.ExecuteNonQuery();
            }

            transaction.Commit();
            return decided;
        }, cancellationToken);
    }

    public ValueTask<IReadOnlyList<Approval>> ListApprovalsAsync(ApprovalStatus? status = null, int limit = 100, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<Approval>>(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {ApprovalColumns} FROM approvals {(status is null ? "" : "WHERE status = $status")} ORDER BY requested_at DESC LIMIT $limit";
            if (status is { } s)
            {
                command.Parameters.AddWithValue("$status", s.ToString().ToLowerInvariant());
            }

            command.Parameters.AddWithValue("$limit", limit);
            using var reader = command.ExecuteReader();
            var approvals = new List<Approval>();
            while (reader.Read())
            {
                approvals.Add(ReadApproval(reader));
            }

            return approvals;
        }, cancellationToken);

    private const string ApprovalColumns = "task_id, seq, customer_id, request, requested_at, timeout_at, status, decided_by, decided_at, note, review_seconds";

    private static Approval ReadApproval(SqliteDataReader reader) => new()
    {
        TaskId = reader.GetString(0),
        Seq = reader.GetInt32(1),
        CustomerId = reader.GetString(2),
        Request = reader.GetString(3),
        RequestedAt = SqlValues.Time(reader.GetInt64(4)),
        TimeoutAt = reader.IsDBNull(5) ? null : SqlValues.Time(reader.GetInt64(5)),
        Status = Enum.Parse<ApprovalStatus>(reader.GetString(6), ignoreCase: true),
        DecidedBy = NullableString(reader, 7),
        DecidedAt = reader.IsDBNull(8) ? null : SqlValues.Time(reader.GetInt64(8)),
        Note = NullableString(reader, 9),
        ReviewSeconds = reader.IsDBNull(10) ? null : reader.GetDouble(10),
    };

    private static List<string> ReadStrings(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
