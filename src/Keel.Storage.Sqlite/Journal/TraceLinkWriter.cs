using Keel.Journal;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite.Journal;

/// <summary>
/// Links an ingested OpenTelemetry trace to the task a step commit creates for it (<see cref="StepCommit.IngestedTraceId"/>)
/// by appending to <c>otlp_trace_log</c>, and moves the log into the trace-keyed <c>otlp_traces</c> in sorted batches
/// (migration 22, <see cref="RecentTraceLinks"/>). The link is the trace's only lookup by trace id: the task itself is
/// named in time order, so its rows are written next to the newest tasks' rather than at random.
/// </summary>
internal sealed class TraceLinkWriter : IDisposable
{
    /// <summary>How many links the log holds before they are merged: ~2 MB of memory per process, a merge every ~130,000 spans.</summary>
    public const int MergeLinks = 16_384;

    private readonly SqliteConnection _connection;
    private readonly RecentTraceLinks _recent;
    private readonly int _mergeLinks;
    private readonly PreparedStatement _append;
    private readonly PreparedStatement _linked;
    private bool _appended;

    public TraceLinkWriter(SqliteConnection connection, RecentTraceLinks recent, int mergeLinks)
    {
        _connection = connection;
        _recent = recent;
        _mergeLinks = mergeLinks;
        _append = new(connection, "INSERT INTO otlp_trace_log (trace_id, task_id) VALUES ($trace, $task)");
        _linked = new(connection, """
            SELECT EXISTS (SELECT 1 FROM otlp_traces WHERE trace_id = $trace)
                OR EXISTS (SELECT 1 FROM otlp_trace_log WHERE seq > $seen AND trace_id = $trace)
            """);
    }

    /// <summary>
    /// Writes the commit's trace link, if it has one. Throws (a constraint failure, which fails just this commit) when the
    /// trace is linked already: another process ingested it meanwhile, and the caller re-plans against its task.
    /// </summary>
    public void Write(StepCommit commit, SqliteTransaction transaction)
    {
        if (commit.IngestedTraceId is not { } traceId)
        {
            return;
        }

        var taskId = commit.CreateTaskIfMissing?.Id
            ?? throw new ArgumentException("A commit that links a trace creates the trace's task (CreateTaskIfMissing).", nameof(commit));

        // Linked already if in memory, merged, or in the log past what this process has read (which includes this
        // transaction's own links: a batch never links a trace twice).
        var linked = _linked.Bind(transaction);
        linked.Set("$trace", traceId);
        linked.Set("$seen", _recent.Seen);
        if (_recent.TryGet(traceId, out _) || Convert.ToInt64(linked.Scalar(), System.Globalization.CultureInfo.InvariantCulture) != 0)
        {
            throw new SqliteException($"Trace {traceId} has a task already.", 19); // SQLITE_CONSTRAINT, as the key used to say
        }

        var append = _append.Bind(transaction);
        append.Set("$trace", traceId);
        append.Set("$task", taskId);
        append.Execute();
        _appended = true;
    }

    /// <summary>
    /// After a committed transaction that appended links: reads them into memory, and when the log holds the merge size (<see cref="MergeLinks"/> by default) or more, moves it
    /// into <c>otlp_traces</c> in trace-id order and empties it, in a transaction of its own.
    /// </summary>
    public void MergeIfDue()
    {
        if (!_appended)
        {
            return;
        }

        _appended = false;

        // Read back what was just committed, so that the next commits' checks scan only the log rows after it (without
        // this, a writer that never looks links up, such as a replay, would scan a log tail growing to the merge size).
        _recent.CatchUp(_connection, null);
        using var size = _connection.CreateCommand();
        size.CommandText = "SELECT coalesce(max(seq) - min(seq) + 1, 0) FROM otlp_trace_log";
        if ((long)size.ExecuteScalar()! < _mergeLinks)
        {
            return;
        }

        try
        {
            using (var transaction = _connection.BeginTransaction())
            {
                using var merge = _connection.CreateCommand();
                merge.Transaction = transaction;
                merge.CommandText = """
                    INSERT OR IGNORE INTO otlp_traces (trace_id, task_id) SELECT trace_id, task_id FROM otlp_trace_log ORDER BY trace_id;
                    DELETE FROM otlp_trace_log;
                    """;
                merge.ExecuteNonQuery();
                transaction.Commit();
            }

            _recent.Merged();
        }
        catch (SqliteException)
        {
            // The commits that appended stand; the log stays as it was and the next transaction with links retries.
        }
    }

    public void Dispose()
    {
        _append.Dispose();
        _linked.Dispose();
    }
}
