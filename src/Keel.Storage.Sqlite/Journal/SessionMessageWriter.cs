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
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _session;
    private readonly SqliteParameter _task;
    private readonly SqliteParameter _role;
    private readonly SqliteParameter _content;
    private readonly SqliteParameter _tokens;
    private readonly SqliteParameter _created;

    public SessionMessageWriter(SqliteConnection connection)
    {
        _insert = connection.CreateCommand();

        // The join is the tenant wall: a task writes only to a session of its own customer.
        _insert.CommandText = """
            INSERT INTO session_messages (session_id, seq, task_id, role, content, tokens, created_at)
            SELECT s.id, coalesce((SELECT max(m.seq) FROM session_messages m WHERE m.session_id = s.id), 0) + 1,
                   t.id, $role, $content, $tokens, $created
            FROM sessions s JOIN tasks t ON t.customer_id = s.customer_id
            WHERE s.id = $session AND t.id = $task
            """;
        _session = _insert.Parameters.Add("$session", SqliteType.Text);
        _task = _insert.Parameters.Add("$task", SqliteType.Text);
        _role = _insert.Parameters.Add("$role", SqliteType.Text);
        _content = _insert.Parameters.Add("$content", SqliteType.Text);
        _tokens = _insert.Parameters.Add("$tokens", SqliteType.Integer);
        _created = _insert.Parameters.Add("$created", SqliteType.Integer);
        foreach (SqliteParameter parameter in _insert.Parameters)
        {
            parameter.Value = DBNull.Value;
        }

        _insert.Prepare();
    }

    /// <summary>Appends the messages in order. Throws when one names no task or a session that is not its task's customer's.</summary>
    public void Write(IReadOnlyList<SessionMessage> messages, SqliteTransaction transaction)
    {
        if (messages.Count == 0)
        {
            return;
        }

        _insert.Transaction = transaction;
        foreach (var message in messages)
        {
            if (message.TaskId is null)
            {
                throw new ArgumentException("A step's session messages belong to its task; append others with AppendSessionMessagesAsync.", nameof(messages));
            }

            _session.Value = message.SessionId;
            _task.Value = message.TaskId;
            _role.Value = message.Role;
            _content.Value = message.Content;
            _tokens.Value = message.Tokens;
            _created.Value = SqlValues.Micros(message.CreatedAt);
            if (_insert.ExecuteNonQuery() != 1)
            {
                throw new StoreException($"Session {message.SessionId} does not exist or does not belong to the customer of task {message.TaskId}.");
            }
        }
    }

    public void Dispose() => _insert.Dispose();
}
