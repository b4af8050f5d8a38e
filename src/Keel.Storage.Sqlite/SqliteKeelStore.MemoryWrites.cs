using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Keel.Memory;
using Keel.Storage.Sqlite.Schema;
using Keel.Tasks;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

/// <summary>Adding memories: deduplication and supersession in the write's transaction.</summary>
public sealed partial class SqliteKeelStore
{
    public async ValueTask<IReadOnlyList<MemoryWriteResult>> AddMemoriesAsync(IReadOnlyList<NewMemory> memories, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memories);
        foreach (var memory in memories)
        {
            Validate(memory);
        }

        if (memories.Count == 0)
        {
            return [];
        }

        return await WriteAsync<IReadOnlyList<MemoryWriteResult>>(connection => WithSecureDelete(connection, () =>
        {
            var now = _time.GetUtcNow();
            using var transaction = connection.BeginTransaction();
            using var writer = new MemoryWriter(connection, transaction);
            var results = new List<MemoryWriteResult>(memories.Count);
            foreach (var memory in memories)
            {
                results.Add(writer.Add(memory, now));
            }

            transaction.Commit();
            return results;
        }), cancellationToken).ConfigureAwait(false);
    }

    private static void Validate(NewMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(memory.Scope, nameof(memory));
        if (string.IsNullOrWhiteSpace(memory.Text))
        {
            throw new ArgumentException("A memory needs text.", nameof(memory));
        }

        if (!(memory.Importance is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(memory), memory.Importance, "Importance is between 0 and 1.");
        }

        if (memory.FactKey is not null && string.IsNullOrWhiteSpace(memory.FactKey))
        {
            throw new ArgumentException("A fact key that is given cannot be blank; leave it null instead.", nameof(memory));
        }

        if (memory.Embedding is { Length: 0 })
        {
            throw new ArgumentException("An embedding that is given cannot be empty; leave it null instead.", nameof(memory));
        }
    }

    /// <summary>
    /// Runs <paramref name="write"/> with <c>PRAGMA secure_delete</c> on, so whatever a memory write frees or rewrites
    /// (a forgotten row, a superseded row rewritten in place, FTS segments merged away) is zeroed rather than left in
    /// free space where an erased text could be read back from the file. Only memory writes pay for it.
    /// </summary>
    private static T WithSecureDelete<T>(SqliteConnection connection, Func<T> write)
    {
        using (var on = connection.CreateCommand())
        {
            on.CommandText = "PRAGMA secure_delete = ON";
            on.ExecuteNonQuery();
        }

        try
        {
            return write();
        }
        finally
        {
            using var off = connection.CreateCommand();
            off.CommandText = "PRAGMA secure_delete = OFF";
            off.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// The dedup hash: SHA-256 of the text trimmed, with runs of white space made one space, and lower-cased, so the
    /// same sentence typed twice (or re-ingested) is stored once.
    /// </summary>
    internal static string ContentHash(string text)
    {
        var normalized = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var ch in text.AsSpan().Trim())
        {
            if (char.IsWhiteSpace(ch))
            {
                pendingSpace = true;
                continue;
            }

            if (pendingSpace)
            {
                normalized.Append(' ');
                pendingSpace = false;
            }

            normalized.Append(ch);
        }

        var folded = normalized.ToString().ToLowerInvariant();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(folded)));
    }

    /// <summary>The full-text tokens of a scope (the parts given) and, optionally, kinds; see migration 16.</summary>
    private static string ScopeTerm(char part, string value) =>
        part + BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(value))).ToString(CultureInfo.InvariantCulture);

    private static string KindTerm(MemoryKind kind) => kind switch
    {
        MemoryKind.Episodic => "k1",
        MemoryKind.Semantic => "k2",
        MemoryKind.Procedural => "k3",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown memory kind."),
    };

    private static List<string> ScopeTerms(MemoryScope scope)
    {
        var terms = new List<string>(4) { ScopeTerm('c', scope.CustomerId) };
        if (scope.UserId is not null)
        {
            terms.Add(ScopeTerm('u', scope.UserId));
        }

        if (scope.AgentId is not null)
        {
            terms.Add(ScopeTerm('a', scope.AgentId));
        }

        if (scope.SessionId is not null)
        {
            terms.Add(ScopeTerm('s', scope.SessionId));
        }

        return terms;
    }

    private static byte[] VectorBytes(ReadOnlySpan<float> vector)
    {
        var bytes = new byte[vector.Length * sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(vector).CopyTo(bytes);
        }
        else
        {
            for (var i = 0; i < vector.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), vector[i]);
            }
        }

        return bytes;
    }

    private static float[] VectorOf(ReadOnlySpan<byte> bytes)
    {
        var vector = new float[bytes.Length / sizeof(float)];
        if (BitConverter.IsLittleEndian)
        {
            bytes[..(vector.Length * sizeof(float))].CopyTo(MemoryMarshal.AsBytes(vector.AsSpan()));
        }
        else
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
            }
        }

        return vector;
    }

    /// <summary>The statements of one <see cref="AddMemoriesAsync"/> call, prepared once for all its memories.</summary>
    private sealed class MemoryWriter : IDisposable
    {
        private const string ExactScope = "customer_id = $customer AND user_id IS $user AND agent_id IS $agent AND session_id IS $session";

        private readonly SqliteCommand _duplicate;
        private readonly SqliteCommand _factHolders;
        private readonly SqliteCommand _owner;
        private readonly SqliteCommand _supersede;
        private readonly SqliteCommand _insert;
        private readonly SqliteCommand _vector;

        public MemoryWriter(SqliteConnection connection, SqliteTransaction transaction)
        {
            _duplicate = Command(connection, transaction, $"""
                SELECT {MemoryColumns} FROM memories m
                WHERE {ExactScope} AND content_hash = $hash AND (valid_to IS NULL OR valid_to > $now)
                ORDER BY key LIMIT 1
                """);
            _factHolders = Command(connection, transaction, $"SELECT id FROM memories WHERE {ExactScope} AND fact_key = $fact AND valid_to IS NULL");
            _owner = Command(connection, transaction, "SELECT customer_id FROM memories WHERE id = $id");
            _supersede = Command(connection, transaction, "UPDATE memories SET valid_to = $to, superseded_by = $by WHERE id = $id AND valid_to IS NULL");
            _insert = Command(connection, transaction, """
                INSERT INTO memories (id, customer_id, user_id, agent_id, session_id, kind, text, terms,
                    source_session_id, source_task_id, source_step_seq, source_message_id, source_external_id,
                    importance, occurred_at, created_at, valid_from, fact_key, content_hash)
                VALUES ($id, $customer, $user, $agent, $session, $kind, $text, $terms,
                    $src_session, $src_task, $src_step, $src_message, $src_external,
                    $importance, $occurred, $created, $valid_from, $fact, $hash)
                RETURNING key
                """);
            _vector = Command(connection, transaction, "INSERT INTO memory_vectors (key, vector) VALUES ($key, $vector)");
        }

        public MemoryWriteResult Add(NewMemory memory, DateTimeOffset now)
        {
            var scope = memory.Scope;
            foreach (var id in memory.Supersedes)
            {
                Bind(_owner, ("$id", id));
                if (_owner.ExecuteScalar() as string != scope.CustomerId)
                {
                    throw new StoreException($"Memory {id} cannot be superseded: no memory of customer {scope.CustomerId} has that id.");
                }
            }

            var hash = ContentHash(memory.Text);
            BindScope(_duplicate, scope);
            Bind(_duplicate, ("$hash", hash), ("$now", SqlValues.Micros(now)));
            using (var reader = _duplicate.ExecuteReader())
            {
                if (reader.Read())
                {
                    return new MemoryWriteResult(ReadMemory(reader), Deduplicated: true, Superseded: []);
                }
            }

            // Times as the columns keep them (whole microseconds), so the record returned equals the one read back.
            now = Stored(now);
            var validFrom = Stored(memory.ValidFrom ?? now);
            var record = new MemoryRecord(
                KeelIds.New("mem"), 0, scope, memory.Kind, memory.Text, memory.Source ?? new MemorySource(), memory.Importance,
                Stored(memory.OccurredAt ?? now), now, validFrom, null, null, memory.FactKey, hash);

            var replaced = new List<string>();
            if (memory.FactKey is not null)
            {
                BindScope(_factHolders, scope);
                Bind(_factHolders, ("$fact", memory.FactKey));
                using var reader = _factHolders.ExecuteReader();
                while (reader.Read())
                {
                    replaced.Add(reader.GetString(0));
                }
            }

            replaced.AddRange(memory.Supersedes.Where(id => !replaced.Contains(id, StringComparer.Ordinal)).Distinct(StringComparer.Ordinal));
            var superseded = new List<string>(replaced.Count);
            foreach (var id in replaced)
            {
                Bind(_supersede, ("$id", id), ("$to", SqlValues.Micros(validFrom)), ("$by", record.Id));
                if (_supersede.ExecuteNonQuery() > 0)
                {
                    superseded.Add(id);
                }
            }

            var source = record.Source;
            BindScope(_insert, scope);
            Bind(_insert,
                ("$id", record.Id), ("$kind", KindText(memory.Kind)), ("$text", memory.Text),
                ("$terms", string.Join(' ', ScopeTerms(scope).Append(KindTerm(memory.Kind)))),
                ("$src_session", source.SessionId), ("$src_task", source.TaskId), ("$src_step", source.StepSeq),
                ("$src_message", source.MessageId), ("$src_external", source.ExternalId),
                ("$importance", memory.Importance), ("$occurred", SqlValues.Micros(record.OccurredAt)),
                ("$created", SqlValues.Micros(now)), ("$valid_from", SqlValues.Micros(validFrom)),
                ("$fact", memory.FactKey), ("$hash", hash));
            var key = Convert.ToInt64(_insert.ExecuteScalar(), CultureInfo.InvariantCulture);
            if (memory.Embedding is { } embedding)
            {
                Bind(_vector, ("$key", key), ("$vector", VectorBytes(embedding.Span)));
                _vector.ExecuteNonQuery();
            }

            return new MemoryWriteResult(record with { Key = key }, Deduplicated: false, superseded);
        }

        private static DateTimeOffset Stored(DateTimeOffset time) => SqlValues.Time(SqlValues.Micros(time));

        public void Dispose()
        {
            _duplicate.Dispose();
            _factHolders.Dispose();
            _owner.Dispose();
            _supersede.Dispose();
            _insert.Dispose();
            _vector.Dispose();
        }

        private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
        {
            var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            return command;
        }

        private static void BindScope(SqliteCommand command, MemoryScope scope) => Bind(command,
            ("$customer", scope.CustomerId), ("$user", scope.UserId), ("$agent", scope.AgentId), ("$session", scope.SessionId));

        private static void Bind(SqliteCommand command, params ReadOnlySpan<(string Name, object? Value)> values)
        {
            foreach (var (name, value) in values)
            {
                var parameter = command.Parameters.Contains(name) ? command.Parameters[name] : command.Parameters.Add(new SqliteParameter { ParameterName = name });
                parameter.Value = value ?? DBNull.Value;
            }
        }
    }
}
