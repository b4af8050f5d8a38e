using Keel.Storage.Sqlite.Journal;
using Keel.Storage.Sqlite.Schema;
using Keel.ToolState;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    private const string ToolStateColumns = "customer_id, scope, scope_id, tool, key, value, version, updated_at, task_id, step_seq";
    private const string ToolStateKeyMatch = "customer_id = $customer AND scope = $scope AND scope_id = $scope_id AND tool = $tool AND key = $key";

    public ValueTask<ToolStateEntry?> GetToolStateAsync(ToolStateKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ReadAsync(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = $"SELECT {ToolStateColumns} FROM tool_state WHERE {ToolStateKeyMatch}";
            BindToolStateKey(query, key);
            using var reader = query.ExecuteReader();
            return reader.Read() ? ReadToolStateEntry(reader) : null;
        }, cancellationToken);
    }

    public ValueTask<IReadOnlyList<ToolStateEntry>> GetToolStateHistoryAsync(ToolStateKey key, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return ReadAsync<IReadOnlyList<ToolStateEntry>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = $"SELECT {ToolStateColumns} FROM tool_state_history WHERE {ToolStateKeyMatch} ORDER BY version DESC LIMIT $limit";
            BindToolStateKey(query, key);
            query.Parameters.AddWithValue("$limit", limit);
            return ReadToolStateEntries(query);
        }, cancellationToken);
    }

    public ValueTask<IReadOnlyList<ToolStateEntry>> ListToolStateAsync(string customerId, ToolStateScope scope, string scopeId, string? tool = null, int limit = 1000,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(scopeId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return ReadAsync<IReadOnlyList<ToolStateEntry>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = $"""
                SELECT {ToolStateColumns} FROM tool_state
                WHERE customer_id = $customer AND scope = $scope AND scope_id = $scope_id AND ($tool IS NULL OR tool = $tool)
                ORDER BY tool, key LIMIT $limit
                """;
            query.Parameters.AddWithValue("$customer", customerId);
            query.Parameters.AddWithValue("$scope", ToolStateWriter.ScopeText(scope));
            query.Parameters.AddWithValue("$scope_id", scopeId);
            query.Parameters.AddWithValue("$tool", (object?)tool ?? DBNull.Value);
            query.Parameters.AddWithValue("$limit", limit);
            return ReadToolStateEntries(query);
        }, cancellationToken);
    }

    public async ValueTask<ToolStateEntry> CompareAndSetToolStateAsync(ToolStateWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        return await WriteAsync(connection =>
        {
            // Outside the hot path: the statements are prepared for this one write.
            using var writer = new ToolStateWriter(connection);
            using var transaction = connection.BeginTransaction();
            var entry = writer.Apply(write, _time.GetUtcNow(), taskId: null, stepSeq: null, transaction);
            transaction.Commit();
            return entry;
        }, cancellationToken).ConfigureAwait(false);
    }

    private static void BindToolStateKey(SqliteCommand command, ToolStateKey key)
    {
        command.Parameters.AddWithValue("$customer", key.CustomerId);
        command.Parameters.AddWithValue("$scope", ToolStateWriter.ScopeText(key.Scope));
        command.Parameters.AddWithValue("$scope_id", key.ScopeId);
        command.Parameters.AddWithValue("$tool", key.Tool);
        command.Parameters.AddWithValue("$key", key.Key);
    }

    private static List<ToolStateEntry> ReadToolStateEntries(SqliteCommand query)
    {
        var entries = new List<ToolStateEntry>();
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            entries.Add(ReadToolStateEntry(reader));
        }

        return entries;
    }

    private static ToolStateEntry ReadToolStateEntry(SqliteDataReader reader) => new(
        new ToolStateKey(reader.GetString(0), Enum.Parse<ToolStateScope>(reader.GetString(1), ignoreCase: true), reader.GetString(2), reader.GetString(3), reader.GetString(4)),
        reader.GetString(5),
        reader.GetInt64(6),
        SqlValues.Time(reader.GetInt64(7)),
        reader.IsDBNull(8) ? null : reader.GetString(8),
        reader.IsDBNull(9) ? null : reader.GetInt32(9));
}
