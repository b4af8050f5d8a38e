using Keel.Journal;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite.Journal;

/// <summary>
/// Links an ingested OpenTelemetry trace to the task a step commit creates for it (<see cref="StepCommit.IngestedTraceId"/>),
/// through a statement prepared once for the writer connection. The link is the trace's only lookup by trace id: the
/// task itself is named in time order, so its rows are written next to the newest tasks' rather than at random.
/// </summary>
internal sealed class TraceLinkWriter : IDisposable
{
    private readonly SqliteCommand _insert;
    private readonly SqliteParameter _trace;
    private readonly SqliteParameter _task;

    public TraceLinkWriter(SqliteConnection connection)
    {
        _insert = connection.CreateCommand();

        // No ON CONFLICT: a trace already linked (another process ingested it meanwhile) fails the commit, whose caller
        // then reads the link and adds to that task instead of making a second one.
        _insert.CommandText = "INSERT INTO otlp_traces (trace_id, task_id) VALUES ($trace, $task)";
        _trace = _insert.Parameters.Add("$trace", SqliteType.Text);
        _task = _insert.Parameters.Add("$task", SqliteType.Text);
        _trace.Value = DBNull.Value;
        _task.Value = DBNull.Value;
        _insert.Prepare();
    }

    /// <summary>Writes the commit's trace link, if it has one. Throws when the trace is linked already.</summary>
    public void Write(StepCommit commit, SqliteTransaction transaction)
    {
        if (commit.IngestedTraceId is not { } traceId)
        {
            return;
        }

        _insert.Transaction = transaction;
        _trace.Value = traceId;
        _task.Value = commit.CreateTaskIfMissing?.Id
            ?? throw new ArgumentException("A commit that links a trace creates the trace's task (CreateTaskIfMissing).", nameof(commit));
        _insert.ExecuteNonQuery();
    }

    public void Dispose() => _insert.Dispose();
}
