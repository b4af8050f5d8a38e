using Keel.Sessions;
using Keel.Storage.Sqlite.Schema;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    public ValueTask<IReadOnlyList<SessionMessage>> GetSessionMessagesAsync(string customerId, string sessionId, int? newest = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        if (newest is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(newest), newest, "Ask for zero or more messages.");
        }

        return ReadAsync<IReadOnlyList<SessionMessage>>(connection =>
        {
            // Newest first through the (session_id, seq) key, then turned around: the caller wants them in order.
            using var query = connection.CreateCommand();
            query.CommandText = """
                SELECT m.session_id, m.seq, m.task_id, m.role, m.content, m.tokens, m.created_at
                FROM session_messages m JOIN sessions s ON s.id = m.session_id
                WHERE m.session_id = $session AND s.customer_id = $customer
                ORDER BY m.seq DESC LIMIT $limit
                """;
            query.Parameters.AddWithValue("$session", sessionId);
            query.Parameters.AddWithValue("$customer", customerId);
            query.Parameters.AddWithValue("$limit", newest ?? -1);
            var messages = new List<SessionMessage>();
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                messages.Add(new SessionMessage(
                    reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
                    reader.GetString(4), reader.GetInt32(5), SqlValues.Time(reader.GetInt64(6))));
            }

            messages.Reverse();
            return messages;
        }, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<SessionMessage>> AppendSessionMessagesAsync(string customerId, string sessionId, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        ArgumentNullException.ThrowIfNull(messages);
        return await WriteAsync<IReadOnlyList<SessionMessage>>(connection =>
        {
            using var transaction = connection.BeginTransaction();
            EnsureOwnSession(connection, transaction, customerId, sessionId);
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO session_messages (session_id, seq, task_id, role, content, tokens, created_at)
                VALUES ($session, coalesce((SELECT max(seq) FROM session_messages WHERE session_id = $session), 0) + 1,
                        $task, $role, $content, $tokens, $created)
                RETURNING seq
                """;
            var session = insert.Parameters.AddWithValue("$session", sessionId);
            var task = insert.Parameters.Add("$task", SqliteType.Text);
            var role = insert.Parameters.Add("$role", SqliteType.Text);
            var content = insert.Parameters.Add("$content", SqliteType.Text);
            var tokens = insert.Parameters.Add("$tokens", SqliteType.Integer);
            var created = insert.Parameters.Add("$created", SqliteType.Integer);
            var stored = new List<SessionMessage>(messages.Count);
            foreach (var message in messages)
            {
                task.Value = (object?)message.TaskId ?? DBNull.Value;
                role.Value = message.Role;
                content.Value = message.Content;
                tokens.Value = message.Tokens;
                created.Value = SqlValues.Micros(message.CreatedAt);
                var seq = Convert.ToInt64(insert.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                stored.Add(message with { SessionId = sessionId, Seq = seq });
            }

            transaction.Commit();
            return stored;
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<string?> GetSessionStateAsync(string customerId, string sessionId, string key, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        return ReadAsync(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = """
                SELECT v.value FROM session_state v JOIN sessions s ON s.id = v.session_id
                WHERE v.session_id = $session AND v.key = $key AND s.customer_id = $customer
                """;
            query.Parameters.AddWithValue("$session", sessionId);
            query.Parameters.AddWithValue("$key", key);
            query.Parameters.AddWithValue("$customer", customerId);
            return query.ExecuteScalar() as string;
        }, cancellationToken);
    }

    public async ValueTask SetSessionStateAsync(string customerId, string sessionId, string key, string value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        ArgumentNullException.ThrowIfNull(value);
        await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            EnsureOwnSession(connection, transaction, customerId, sessionId);
            using var upsert = connection.CreateCommand();
            upsert.Transaction = transaction;
            upsert.CommandText = """
                INSERT INTO session_state (session_id, key, value, updated_at) VALUES ($session, $key, $value, $now)
                ON CONFLICT (session_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
                """;
            upsert.Parameters.AddWithValue("$session", sessionId);
            upsert.Parameters.AddWithValue("$key", key);
            upsert.Parameters.AddWithValue("$value", value);
            upsert.Parameters.AddWithValue("$now", SqlValues.Micros(_time.GetUtcNow()));
            upsert.ExecuteNonQuery();
            transaction.Commit();
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask<bool> DeleteSessionStateAsync(string customerId, string sessionId, string key, CancellationToken cancellationToken = default) =>
        WriteAsync(connection =>
        {
            using var delete = connection.CreateCommand();
            delete.CommandText = """
                DELETE FROM session_state
                WHERE session_id = $session AND key = $key
                  AND session_id IN (SELECT id FROM sessions WHERE id = $session AND customer_id = $customer)
                """;
            delete.Parameters.AddWithValue("$session", sessionId);
            delete.Parameters.AddWithValue("$key", key);
            delete.Parameters.AddWithValue("$customer", customerId);
            return delete.ExecuteNonQuery() > 0;
        }, cancellationToken);

    public ValueTask<int> ClearSessionAsync(string customerId, string sessionId, CancellationToken cancellationToken = default) =>
        WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            using var clear = connection.CreateCommand();
            clear.Transaction = transaction;
            clear.CommandText = """
                DELETE FROM memory_ingestion WHERE session_id IN (SELECT id FROM sessions WHERE id = $session AND customer_id = $customer);
                DELETE FROM session_state WHERE session_id IN (SELECT id FROM sessions WHERE id = $session AND customer_id = $customer);
                DELETE FROM session_messages WHERE session_id IN (SELECT id FROM sessions WHERE id = $session AND customer_id = $customer);
                """;
            clear.Parameters.AddWithValue("$session", sessionId);
            clear.Parameters.AddWithValue("$customer", customerId);
            clear.ExecuteNonQuery();
            using var changes = connection.CreateCommand();
            changes.Transaction = transaction;
            changes.CommandText = "SELECT changes()"; // rows of the last statement: the messages
            var removed = Convert.ToInt32(changes.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            transaction.Commit();
            return removed;
        }, cancellationToken);

    /// <summary>Creates the session for the customer when it is new; refuses one that belongs to someone else.</summary>
    private void EnsureOwnSession(SqliteConnection connection, SqliteTransaction transaction, string customerId, string sessionId)
    {
        using var ensure = connection.CreateCommand();
        ensure.Transaction = transaction;
        ensure.CommandText = """
            INSERT INTO sessions (id, customer_id, created_at) VALUES ($id, $customer, $now) ON CONFLICT (id) DO NOTHING;
            SELECT customer_id FROM sessions WHERE id = $id;
            """;
        ensure.Parameters.AddWithValue("$id", sessionId);
        ensure.Parameters.AddWithValue("$customer", customerId);
        ensure.Parameters.AddWithValue("$now", SqlValues.Micros(_time.GetUtcNow()));
        if (ensure.ExecuteScalar() as string != customerId)
        {
            throw new StoreException($"Session {sessionId} belongs to another customer.");
        }
    }
}
