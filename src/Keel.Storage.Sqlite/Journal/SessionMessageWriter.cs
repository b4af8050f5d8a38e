using Keel.Sessions;
using Keel.Storage.Sqlite.Schema;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite.Journal;

/// <summary>
/// Writes the session messages of a step commit through a statement prepared once for the writer connection. Each
/// message takes the session's next sequence number inside the commit's transaction: the store has one writer, so
/// tasks running side by side in one session never take the same number.
/// </summary>
internal sealed class SessionMessageWriter : IDisposable
{
    private readonly PreparedStatement _insert;

    public SessionMessageWriter(SqliteConnection connection)
    {
        // The join is the tenant wall: a task writes only to a session of its own customer.
        _insert = new(connection, """
            INSERT INTO session_messages (session_id, seq, task_id, role, content, tokens, created_at)
            SELECT s.id, coalesce((SELECT max(m.seq) FROM session_messages m WHERE m.session_id = s.id), 0) + 1,
                   t.id, $role, $content, $tokens, $created
            FROM sessions s JOIN tasks t ON t.customer_id = s.customer_id
            WHERE s.id = $session AND t.id = $task
            """);
    }

    /// <summary>Appends the messages in order. Throws when one names no task or a session that is not its task's customer's.</summary>
    public void Write(IReadOnlyList<SessionMessage> messages, SqliteTransaction transaction)
    {
        if (messages.Count == 0)
        {
            return;
        }

        foreach (var message in messages)
        {
            if (message.TaskId is null)
            {
                throw new ArgumentException("A step's session messages belong to its task; append others with AppendSessionMessagesAsync.", nameof(messages));
            }

            var insert = _insert.Bind(transaction);
            insert.Set("$session", message.SessionId);
            insert.Set("$task", message.TaskId);
            insert.Set("$role", message.Role);
            insert.Set("$content", message.Content);
            insert.Set("$tokens", message.Tokens);
            insert.Set("$created", SqlValues.Micros(message.CreatedAt));
            if (insert.Execute() != 1)
            {
                throw new StoreException($"Session {message.SessionId} does not exist or does not belong to the customer of task {message.TaskId}.");
            }
        }
    }

    public void Dispose() => _insert.Dispose();
}
