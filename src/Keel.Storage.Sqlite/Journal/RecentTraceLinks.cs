using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite.Journal;

/// <summary>
/// The trace links in <c>otlp_trace_log</c> (migration 22), held in memory: a link is found here, else in
/// <c>otlp_traces</c>, where the writer moves the log's links in batches (<see cref="TraceLinkWriter.MergeIfDue"/>).
/// </summary>
/// <remarks>
/// Every process sharing the file reads the log rows after the last it has seen (<see cref="CatchUp"/>), so links
/// written by another process are found too. Reads are safe against a merge without any lock between them: the writer
/// swaps the map only after the merge has committed and keeps the previous one, so a read whose snapshot predates the
/// merge finds a merged link in the previous map, and one whose snapshot follows it finds it in <c>otlp_traces</c>.
/// </remarks>
internal sealed class RecentTraceLinks
{
    private readonly Lock _lock = new();
    private Dictionary<string, string> _current = new(StringComparer.Ordinal);
    private Dictionary<string, string> _previous = new(StringComparer.Ordinal);
    private long _seen;

    /// <summary>The highest log seq read: every row up to it is in memory (or merged into <c>otlp_traces</c>).</summary>
    public long Seen
    {
        get
        {
            lock (_lock)
            {
                return _seen;
            }
        }
    }

    /// <summary>Reads the log rows added since the last call, by any process; within the caller's transaction.</summary>
    public void CatchUp(SqliteConnection connection, SqliteTransaction? transaction)
    {
        lock (_lock)
        {
            using var query = connection.CreateCommand();
            query.Transaction = transaction;
            query.CommandText = "SELECT seq, trace_id, task_id FROM otlp_trace_log WHERE seq > $seen ORDER BY seq";
            query.Parameters.AddWithValue("$seen", _seen);
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                _seen = reader.GetInt64(0);
                _current[reader.GetString(1)] = reader.GetString(2);
            }
        }
    }

    public bool TryGet(string traceId, out string taskId)
    {
        lock (_lock)
        {
            return _current.TryGetValue(traceId, out taskId!) || _previous.TryGetValue(traceId, out taskId!);
        }
    }

    /// <summary>The log was moved into <c>otlp_traces</c> and emptied (committed): links read from now on start a new map.</summary>
    public void Merged()
    {
        lock (_lock)
        {
            _previous = _current;
            _current = new(StringComparer.Ordinal);
        }
    }
}
