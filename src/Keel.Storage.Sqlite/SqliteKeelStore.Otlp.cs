using Keel.Tasks;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    public ValueTask<IReadOnlyList<IngestedTrace>> GetIngestedTracesAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<IngestedTrace>>(connection =>
        {
            ArgumentNullException.ThrowIfNull(traceIds);
            if (traceIds.Count == 0)
            {
                return [];
            }

            // One read transaction for a whole export request, so every query sees the same commits. Links not merged
            // yet are in memory (the log's new rows read first, as of this snapshot); the tasks of the others are found
            // by a seek in otlp_traces, else by the name tasks had before links (task_<trace id>). Then the spans and
            // step numbers of only those tasks. A request of new traces costs the log read and the first query alone.
            using var transaction = connection.BeginTransaction(deferred: true);
            RecentLinks.CatchUp(connection, transaction);
            var recent = new Dictionary<string, string>(StringComparer.Ordinal);
            var others = new List<string>(traceIds.Count);
            foreach (var traceId in traceIds)
            {
                if (RecentLinks.TryGet(traceId, out var taskId))
                {
                    recent[traceId] = taskId;
                }
                else
                {
                    others.Add(traceId);
                }
            }

            var found = new List<(string TraceId, TaskSummary Summary)>();
            using (var tasks = connection.CreateCommand())
            {
                tasks.CommandText = $"""
                    WITH wanted(trace_id) AS (SELECT DISTINCT value FROM json_each($ids)),
                         recent(trace_id, task_id) AS (SELECT key, value FROM json_each($recent))
                    SELECT {TaskColumns}, r.trace_id
                    FROM recent r CROSS JOIN tasks ON tasks.id = r.task_id
                    UNION ALL
                    SELECT {TaskColumns}, w.trace_id
                    FROM wanted w CROSS JOIN otlp_traces l ON l.trace_id = w.trace_id CROSS JOIN tasks ON tasks.id = l.task_id
                    UNION ALL
                    SELECT {TaskColumns}, w.trace_id
                    FROM wanted w CROSS JOIN tasks ON tasks.id = 'task_' || w.trace_id
                    WHERE NOT EXISTS (SELECT 1 FROM otlp_traces l WHERE l.trace_id = w.trace_id)
                    """;
                tasks.Parameters.AddWithValue("$ids", SqliteJson.Array(others));
                tasks.Parameters.AddWithValue("$recent", SqliteJson.Object(recent));
                using var reader = tasks.ExecuteReader();
                var traceOrdinal = reader.FieldCount - 1;
                while (reader.Read())
                {
                    found.Add((reader.GetString(traceOrdinal), ReadSummary(reader)));
                }
            }

            if (found.Count == 0)
            {
                return [];
            }

            var taskIds = SqliteJson.Array(found.Select(f => f.Summary.Task.Id));
            var spans = found.ToDictionary(f => f.Summary.Task.Id, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
            using (var query = connection.CreateCommand())
            {
                query.CommandText = "SELECT task_id, span_id FROM spans WHERE task_id IN (SELECT value FROM json_each($tasks))";
                query.Parameters.AddWithValue("$tasks", taskIds);
                using var reader = query.ExecuteReader();
                while (reader.Read())
                {
                    spans[reader.GetString(0)].Add(reader.GetString(1));
                }
            }

            var lastSeq = new Dictionary<string, int>(StringComparer.Ordinal);
            using (var query = connection.CreateCommand())
            {
                query.CommandText = "SELECT task_id, max(seq) FROM steps WHERE task_id IN (SELECT value FROM json_each($tasks)) GROUP BY task_id";
                query.Parameters.AddWithValue("$tasks", taskIds);
                using var reader = query.ExecuteReader();
                while (reader.Read())
                {
                    lastSeq[reader.GetString(0)] = reader.GetInt32(1);
                }
            }

            return [.. found.Select(f => new IngestedTrace(f.TraceId, f.Summary.Task, lastSeq.GetValueOrDefault(f.Summary.Task.Id) + 1, spans[f.Summary.Task.Id]))];
        }, cancellationToken);
}
