using Keel.Memory;
using Keel.Sessions;
using Keel.Storage.Sqlite.Schema;

namespace Keel.Storage.Sqlite;

/// <summary>
/// Automatic ingestion's cursor: per session, the last message turned into memory. A trigger on
/// <c>session_messages</c> records the last message appended (migration 16), so a poll visits only the sessions
/// with something new; <see cref="ClearSessionAsync"/> drops the cursor with the messages, as numbering restarts at 1.
/// </summary>
public sealed partial class SqliteKeelStore
{
    public ValueTask<IReadOnlyList<SessionMessageToIngest>> ReadSessionMessagesToIngestAsync(int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return ReadAsync<IReadOnlyList<SessionMessageToIngest>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = """
                SELECT s.customer_id, m.session_id, m.seq, m.task_id, m.role, m.content, m.tokens, m.created_at
                FROM memory_ingestion i
                JOIN session_messages m ON m.session_id = i.session_id AND m.seq > i.last_seq
                JOIN sessions s ON s.id = i.session_id
                WHERE i.appended_seq > i.last_seq
                ORDER BY m.created_at, m.session_id, m.seq
                LIMIT $limit
                """;
            query.Parameters.AddWithValue("$limit", limit);
            var messages = new List<SessionMessageToIngest>();
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                messages.Add(new SessionMessageToIngest(reader.GetString(0), new SessionMessage(
                    reader.GetString(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4),
                    reader.GetString(5), reader.GetInt32(6), SqlValues.Time(reader.GetInt64(7)))));
            }

            return messages;
        }, cancellationToken);
    }

    public async ValueTask AdvanceMemoryIngestionAsync(string sessionId, long seq, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        ArgumentOutOfRangeException.ThrowIfNegative(seq);
        await WriteAsync(connection =>
        {
            using var advance = connection.CreateCommand();
            advance.CommandText = """
                INSERT INTO memory_ingestion (session_id, last_seq) VALUES ($session, $seq)
                ON CONFLICT (session_id) DO UPDATE SET last_seq = max(last_seq, excluded.last_seq)
                """;
            advance.Parameters.AddWithValue("$session", sessionId);
            advance.Parameters.AddWithValue("$seq", seq);
            return advance.ExecuteNonQuery();
        }, cancellationToken).ConfigureAwait(false);
    }
}
