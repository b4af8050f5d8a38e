using System.Globalization;
using System.Text.Json;
using Keel.Memory;
using Keel.Storage.Sqlite.Schema;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

/// <summary>Memory reads by id, key, filter and supersession chain (migration 16).</summary>
public sealed partial class SqliteKeelStore
{
    private const string MemoryColumns = """
        m.key, m.id, m.customer_id, m.user_id, m.agent_id, m.session_id, m.kind, m.text,
        m.source_session_id, m.source_task_id, m.source_step_seq, m.source_message_id, m.source_external_id,
        m.importance, m.occurred_at, m.created_at, m.valid_from, m.valid_to, m.superseded_by, m.fact_key, m.content_hash
        """;

    public ValueTask<IReadOnlyList<MemoryRecord>> GetMemoriesAsync(string customerId, IReadOnlyList<string> ids, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return ValueTask.FromResult<IReadOnlyList<MemoryRecord>>([]);
        }

        return ReadAsync<IReadOnlyList<MemoryRecord>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = $"SELECT {MemoryColumns} FROM (SELECT DISTINCT value FROM json_each($ids)) j CROSS JOIN memories m ON m.id = j.value WHERE m.customer_id = $customer";
            query.Parameters.AddWithValue("$ids", SqliteJson.Array(ids));
            query.Parameters.AddWithValue("$customer", customerId);
            var found = ReadMemories(query).ToDictionary(m => m.Id, StringComparer.Ordinal);
            return [.. ids.Where(found.ContainsKey).Select(id => found[id])];
        }, cancellationToken);
    }

    public ValueTask<IReadOnlyList<MemoryRecord>> GetMemoriesByKeyAsync(string customerId, IReadOnlyList<long> keys, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            return ValueTask.FromResult<IReadOnlyList<MemoryRecord>>([]);
        }

        return ReadAsync<IReadOnlyList<MemoryRecord>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = $"SELECT {MemoryColumns} FROM (SELECT DISTINCT value FROM json_each($keys)) j CROSS JOIN memories m ON m.key = j.value WHERE m.customer_id = $customer";
            query.Parameters.AddWithValue("$keys", SqliteJson.Array(keys));
            query.Parameters.AddWithValue("$customer", customerId);
            var found = ReadMemories(query).ToDictionary(m => m.Key);
            return [.. keys.Where(found.ContainsKey).Select(key => found[key])];
        }, cancellationToken);
    }

    public ValueTask<IReadOnlyList<MemoryRecord>> ListMemoriesAsync(MemoryFilter filter, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var now = _time.GetUtcNow();
        return ReadAsync<IReadOnlyList<MemoryRecord>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = $"SELECT {MemoryColumns} FROM memories m WHERE {MemoryWhere(query, filter, now)} ORDER BY m.occurred_at DESC, m.key DESC LIMIT $limit";
            query.Parameters.AddWithValue("$limit", limit);
            return ReadMemories(query);
        }, cancellationToken);
    }

    public ValueTask<long> CountMemoriesAsync(MemoryFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var now = _time.GetUtcNow();
        return ReadAsync(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = $"SELECT count(*) FROM memories m WHERE {MemoryWhere(query, filter, now)}";
            return Convert.ToInt64(query.ExecuteScalar(), CultureInfo.InvariantCulture);
        }, cancellationToken);
    }

    public ValueTask<IReadOnlyList<MemoryRecord>> GetMemoryHistoryAsync(string customerId, string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return ReadAsync<IReadOnlyList<MemoryRecord>>(connection =>
        {
            // UNION, not UNION ALL: a chain that loops (explicit supersession can name anything) still ends.
            using var query = connection.CreateCommand();
            query.CommandText = $"""
                WITH RECURSIVE chain (key, id) AS (
                    SELECT key, id FROM memories WHERE id = $id AND customer_id = $customer
                    UNION
                    SELECT p.key, p.id FROM memories p JOIN chain ON p.superseded_by = chain.id WHERE p.customer_id = $customer
                )
                SELECT {MemoryColumns} FROM chain JOIN memories m ON m.key = chain.key
                ORDER BY m.valid_from DESC, m.created_at DESC, m.key DESC
                """;
            query.Parameters.AddWithValue("$id", id);
            query.Parameters.AddWithValue("$customer", customerId);
            return ReadMemories(query);
        }, cancellationToken);
    }

    /// <summary>
    /// The WHERE clause of a filter over <c>memories m</c>, its values bound on <paramref name="command"/>. Only the
    /// parts given become terms, so each read walks the narrowest index the planner can find for them.
    /// </summary>
    private static string MemoryWhere(SqliteCommand command, MemoryFilter filter, DateTimeOffset now, string prefix = "f")
    {
        var where = new List<string> { $"m.customer_id = ${prefix}_customer" };
        command.Parameters.AddWithValue($"${prefix}_customer", filter.Scope.CustomerId);
        AddTerm(where, command, "m.user_id", $"${prefix}_user", filter.Scope.UserId);
        AddTerm(where, command, "m.agent_id", $"${prefix}_agent", filter.Scope.AgentId);
        AddTerm(where, command, "m.session_id", $"${prefix}_session", filter.Scope.SessionId);
        if (filter.Kinds.Count > 0)
        {
            var kinds = filter.Kinds.Distinct().Select((kind, i) =>
            {
                command.Parameters.AddWithValue($"${prefix}_kind{i}", KindText(kind));
                return $"${prefix}_kind{i}";
            });
            where.Add($"m.kind IN ({string.Join(", ", kinds)})");
        }

        if (filter.OccurredFrom is { } from)
        {
            where.Add($"m.occurred_at >= ${prefix}_from");
            command.Parameters.AddWithValue($"${prefix}_from", SqlValues.Micros(from));
        }

        if (filter.OccurredTo is { } to)
        {
            where.Add($"m.occurred_at < ${prefix}_to");
            command.Parameters.AddWithValue($"${prefix}_to", SqlValues.Micros(to));
        }

        if (filter.Source is { } source)
        {
            AddTerm(where, command, "m.source_session_id", $"${prefix}_src_session", source.SessionId);
            AddTerm(where, command, "m.source_task_id", $"${prefix}_src_task", source.TaskId);
            AddTerm(where, command, "m.source_step_seq", $"${prefix}_src_step", source.StepSeq);
            AddTerm(where, command, "m.source_message_id", $"${prefix}_src_message", source.MessageId);
            AddTerm(where, command, "m.source_external_id", $"${prefix}_src_external", source.ExternalId);
        }

        if (!filter.IncludeHistory)
        {
            where.Add($"m.valid_from <= ${prefix}_at AND (m.valid_to IS NULL OR m.valid_to > ${prefix}_at)");
            command.Parameters.AddWithValue($"${prefix}_at", SqlValues.Micros(filter.AsOf ?? now));
        }

        return string.Join(" AND ", where);

        static void AddTerm(List<string> where, SqliteCommand command, string column, string name, object? value)
        {
            if (value is not null)
            {
                where.Add($"{column} = {name}");
                command.Parameters.AddWithValue(name, value);
            }
        }
    }

    private static List<MemoryRecord> ReadMemories(SqliteCommand query)
    {
        var memories = new List<MemoryRecord>();
        using var reader = query.ExecuteReader();
        while (reader.Read())
        {
            memories.Add(ReadMemory(reader));
        }

        return memories;
    }

    private static MemoryRecord ReadMemory(SqliteDataReader reader) => new(
        Id: reader.GetString(1),
        Key: reader.GetInt64(0),
        Scope: new MemoryScope(reader.GetString(2), NullableText(reader, 3), NullableText(reader, 4), NullableText(reader, 5)),
        Kind: MemoryKindOf(reader.GetString(6)),
        Text: reader.GetString(7),
        Source: new MemorySource(NullableText(reader, 8), NullableText(reader, 9), reader.IsDBNull(10) ? null : reader.GetInt32(10), NullableText(reader, 11), NullableText(reader, 12)),
        Importance: reader.GetDouble(13),
        OccurredAt: SqlValues.Time(reader.GetInt64(14)),
        CreatedAt: SqlValues.Time(reader.GetInt64(15)),
        ValidFrom: SqlValues.Time(reader.GetInt64(16)),
        ValidTo: reader.IsDBNull(17) ? null : SqlValues.Time(reader.GetInt64(17)),
        SupersededBy: NullableText(reader, 18),
        FactKey: NullableText(reader, 19),
        ContentHash: reader.GetString(20));

    private static string? NullableText(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static string KindText(MemoryKind kind) => kind switch
    {
        MemoryKind.Episodic => "episodic",
        MemoryKind.Semantic => "semantic",
        MemoryKind.Procedural => "procedural",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown memory kind."),
    };

    private static MemoryKind MemoryKindOf(string text) => Enum.Parse<MemoryKind>(text, ignoreCase: true);
}
