using Keel.Journal;
using Keel.Storage.Sqlite.Schema;
using Keel.ToolState;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite.Journal;

/// <summary>
/// Applies tool state compare-and-sets inside the caller's transaction, through statements prepared once. A
/// version mismatch throws <see cref="ToolStateConflictException"/>, which rolls back the whole commit.
/// </summary>
internal sealed class ToolStateWriter : IDisposable
{
    private const string KeyMatch = "customer_id = $customer AND scope = $scope AND scope_id = $scope_id AND tool = $tool AND key = $key";
    private const string KeyParameters = "$customer, $scope, $scope_id, $tool, $key";

    private readonly PreparedStatement _currentVersion;
    private readonly PreparedStatement _upsert;
    private readonly PreparedStatement _insertHistory;

    public ToolStateWriter(SqliteConnection connection)
    {
        _currentVersion = new(connection, $"SELECT version FROM tool_state WHERE {KeyMatch}");

        // The version check is repeated in the statement itself: a row that moved on since the SELECT is not overwritten.
        _upsert = new(connection, $"""
            INSERT INTO tool_state (customer_id, scope, scope_id, tool, key, value, version, updated_at, task_id, step_seq)
            VALUES ({KeyParameters}, $value, $version, $at, $task, $seq)
            ON CONFLICT (customer_id, scope, scope_id, tool, key) DO UPDATE
            SET value = excluded.value, version = excluded.version, updated_at = excluded.updated_at,
                task_id = excluded.task_id, step_seq = excluded.step_seq
            WHERE tool_state.version = $expected
            """);
        _insertHistory = new(connection, $"""
            INSERT INTO tool_state_history (customer_id, scope, scope_id, tool, key, version, value, updated_at, task_id, step_seq)
            VALUES ({KeyParameters}, $version, $value, $at, $task, $seq)
            """);
    }

    /// <summary>Applies the commit's state write, if it has one, as made by its step.</summary>
    public void Apply(StepCommit commit, SqliteTransaction transaction)
    {
        if (commit.StateWrite is not { } write)
        {
            return;
        }

        var step = commit.Step ?? throw new ArgumentException("A tool state write belongs to a journal step.", nameof(commit));
        Apply(write, step.EndedAt, step.TaskId, step.Seq, transaction);
    }

    /// <summary>Writes version <c>ExpectedVersion + 1</c>, or throws when the stored version is another.</summary>
    /// <exception cref="ToolStateConflictException">The stored version is not the expected one.</exception>
    public ToolStateEntry Apply(ToolStateWrite write, DateTimeOffset at, string? taskId, int? stepSeq, SqliteTransaction transaction)
    {
        var key = write.Key;
        var query = Bind(_currentVersion, key, transaction);
        var current = query.Scalar() is long version ? version : 0;
        if (current != write.ExpectedVersion)
        {
            throw new ToolStateConflictException(key, write.ExpectedVersion, current);
        }

        var entry = new ToolStateEntry(key, write.Value, write.ExpectedVersion + 1, SqlValues.Time(SqlValues.Micros(at)), taskId, stepSeq);
        var upsert = Bind(_upsert, key, transaction);
        BindEntry(upsert, entry);
        upsert.Set("$expected", write.ExpectedVersion);
        if (upsert.Execute() != 1)
        {
            throw new ToolStateConflictException(key, write.ExpectedVersion, current + 1);
        }

        var history = Bind(_insertHistory, key, transaction);
        BindEntry(history, entry);
        history.Execute();
        return entry;
    }

    public void Dispose()
    {
        _currentVersion.Dispose();
        _upsert.Dispose();
        _insertHistory.Dispose();
    }

    /// <summary>How a scope is spelled in the scope column.</summary>
    public static string ScopeText(ToolStateScope scope) => scope.ToString().ToLowerInvariant();

    private static PreparedStatement Bind(PreparedStatement statement, ToolStateKey key, SqliteTransaction transaction)
    {
        statement.Bind(transaction);
        statement.Set("$customer", key.CustomerId);
        statement.Set("$scope", ScopeText(key.Scope));
        statement.Set("$scope_id", key.ScopeId);
        statement.Set("$tool", key.Tool);
        statement.Set("$key", key.Key);
        return statement;
    }

    private static void BindEntry(PreparedStatement statement, ToolStateEntry entry)
    {
        statement.Set("$value", entry.Value);
        statement.Set("$version", entry.Version);
        statement.Set("$at", SqlValues.Micros(entry.UpdatedAt));
        statement.Set("$task", entry.TaskId);
        statement.Set("$seq", entry.StepSeq);
    }
}
