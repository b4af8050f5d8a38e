using System.Text.Json;
using Keel.Memory;
using Keel.Storage.Sqlite.Schema;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

/// <summary>
/// Forgetting and retention. A forgotten memory leaves no trace in the file: its row, vector and full-text postings
/// are deleted with <c>secure_delete</c> (freed space zeroed, FTS5 postings removed rather than masked), and the
/// write-ahead log, which still holds the pages as they were, is checkpointed and truncated.
/// </summary>
public sealed partial class SqliteKeelStore
{
    public async ValueTask<IReadOnlyList<long>> ForgetMemoriesAsync(MemoryForgetRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Scope, nameof(request));
        var filter = new MemoryFilter(request.Scope) { Source = request.Source is { IsEmpty: false } ? request.Source : null, IncludeHistory = true };
        return await WriteAsync<IReadOnlyList<long>>(connection => Forget(connection, (delete, now) =>
        {
            var where = MemoryWhere(delete, filter, now);
            if (request.Ids.Count > 0)
            {
                where += " AND m.id IN (SELECT value FROM json_each($ids))";
                delete.Parameters.AddWithValue("$ids", SqliteJson.Array(request.Ids));
            }

            return [where];
        }), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask SetMemoryRetentionAsync(MemoryRetention policy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(policy.Scope, nameof(policy));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(policy.MaxAge, TimeSpan.Zero, nameof(policy));
        await WriteAsync(connection =>
        {
            using var upsert = connection.CreateCommand();
            upsert.CommandText = """
                INSERT INTO memory_retention (customer_id, user_id, agent_id, session_id, kinds, max_age_us)
                VALUES ($customer, $user, $agent, $session, $kinds, $max_age)
                ON CONFLICT (customer_id, user_id, agent_id, session_id) DO UPDATE SET kinds = excluded.kinds, max_age_us = excluded.max_age_us
                """;
            upsert.Parameters.AddWithValue("$customer", policy.Scope.CustomerId);
            upsert.Parameters.AddWithValue("$user", policy.Scope.UserId ?? "");
            upsert.Parameters.AddWithValue("$agent", policy.Scope.AgentId ?? "");
            upsert.Parameters.AddWithValue("$session", policy.Scope.SessionId ?? "");
            upsert.Parameters.AddWithValue("$kinds", string.Join(',', policy.Kinds.Distinct().Select(KindText)));
            upsert.Parameters.AddWithValue("$max_age", Math.Max(1, policy.MaxAge.Ticks / 10));
            return upsert.ExecuteNonQuery();
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<IReadOnlyList<MemoryRetention>> ListMemoryRetentionAsync(string customerId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        return ReadAsync<IReadOnlyList<MemoryRetention>>(connection => ReadRetention(connection, customerId), cancellationToken);
    }

    public async ValueTask<IReadOnlyList<long>> ApplyMemoryRetentionAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        await WriteAsync<IReadOnlyList<long>>(connection => ApplyRetention(connection, customerId: null, now), cancellationToken).ConfigureAwait(false);

    public async ValueTask<IReadOnlyList<long>> ApplyMemoryRetentionAsync(string customerId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        return await WriteAsync<IReadOnlyList<long>>(connection => ApplyRetention(connection, customerId, now), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Forgets what the policies of <paramref name="customerId"/> (every customer's when null) expire at <paramref name="now"/>.</summary>
    private List<long> ApplyRetention(SqliteConnection connection, string? customerId, DateTimeOffset now)
    {
        var policies = ReadRetention(connection, customerId);
        return Forget(connection, (delete, _) => [.. policies.Select((policy, i) =>
        {
            // One DELETE per policy, run one after another on one command: each binds its values under its own prefix.
            var filter = new MemoryFilter(policy.Scope) { Kinds = policy.Kinds, IncludeHistory = true };
            delete.Parameters.AddWithValue($"$p{i}_created_before", SqlValues.Micros(now - policy.MaxAge));
            return $"{MemoryWhere(delete, filter, now, prefix: $"p{i}")} AND m.created_at < $p{i}_created_before";
        })]);
    }

    /// <summary>
    /// Deletes the memories matching each WHERE clause <paramref name="build"/> returns (over <c>memories m</c>, values
    /// bound on the command), in one transaction with secure delete, then checkpoints and truncates the WAL.
    /// </summary>
    private List<long> Forget(SqliteConnection connection, Func<SqliteCommand, DateTimeOffset, List<string>> build)
    {
        var removed = WithSecureDelete(connection, () =>
        {
            using var transaction = connection.BeginTransaction();
            using var delete = connection.CreateCommand();
            delete.Transaction = transaction;
            var clauses = build(delete, _time.GetUtcNow());
            var keys = new List<long>();
            if (clauses.Count > 0)
            {
                // Vectors and FTS postings go with the row: a cascading key and a trigger (migration 16).
                delete.CommandText = string.Concat(clauses.Select(where => $"DELETE FROM memories AS m WHERE {where} RETURNING key;\n"));
                using var reader = delete.ExecuteReader();
                do
                {
                    while (reader.Read())
                    {
                        keys.Add(reader.GetInt64(0));
                    }
                }
                while (reader.NextResult());
            }

            transaction.Commit();
            return keys;
        });

        if (removed.Count > 0)
        {
            // The WAL still holds the pages as they were before the delete; copy the zeroed ones back and empty it.
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            checkpoint.ExecuteNonQuery();
        }

        return removed;
    }

    private static List<MemoryRetention> ReadRetention(SqliteConnection connection, string? customerId)
    {
        using var query = connection.CreateCommand();
        query.CommandText = """
            SELECT customer_id, user_id, agent_id, session_id, kinds, max_age_us FROM memory_retention
            WHERE $customer IS NULL OR customer_id = $customer ORDER BY customer_id, user_id, agent_id, session_id
            """;
        query.Parameters.AddWithValue("$customer", (object?)customerId ?? DBNull.Value);
        var policies = new List<MemoryRetention>();
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            var scope = new MemoryScope(reader.GetString(0), Part(reader.GetString(1)), Part(reader.GetString(2)), Part(reader.GetString(3)));
            var kinds = reader.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(MemoryKindOf).ToList();
            policies.Add(new MemoryRetention(scope, TimeSpan.FromTicks(reader.GetInt64(5) * 10)) { Kinds = kinds });
        }

        return policies;

        static string? Part(string value) => value.Length == 0 ? null : value;
    }
}
