using Keel.Journal;
using Keel.Storage.Sqlite.Schema;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Usage;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    private const string TaskColumns = """
        id, customer_id, session_id, parent_id, agent, status, input, output, error, created_at, started_at, ended_at,
        steps, model_calls, retries, fallbacks, input_tokens, output_tokens, cost_nanousd, outcome, outcome_value,
        parent_step, forked_from, forked_at_step, model_override, wake_at, lease_owner, lease_expires_at
        """;

    public ValueTask<AgentTask?> FindTaskAsync(string idOrPrefix, CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            // A whole id first: one primary-key seek, and the answer on every claim of a worker. Only when there is no
            // such task, a prefix: a range seek of the same key, ids from the prefix up to the prefix followed by the
            // highest character (`id LIKE 'prefix%'` would read every task: LIKE is case-insensitive, the key is not).
            using var exact = connection.CreateCommand();
            exact.CommandText = $"SELECT {TaskColumns} FROM tasks WHERE id = $id";
            exact.Parameters.AddWithValue("$id", idOrPrefix);
            using (var reader = exact.ExecuteReader())
            {
                if (reader.Read())
                {
                    return ReadSummary(reader).Task;
                }
            }

            using var query = connection.CreateCommand();
            query.CommandText = $"SELECT {TaskColumns} FROM tasks WHERE id > $id AND id < $upper ORDER BY id LIMIT 2";
            query.Parameters.AddWithValue("$id", idOrPrefix);
            query.Parameters.AddWithValue("$upper", idOrPrefix + char.MaxValue);
            using var prefixed = query.ExecuteReader();
            if (!prefixed.Read())
            {
                return null;
            }

            var first = ReadSummary(prefixed);
            if (prefixed.Read())
            {
                throw new AmbiguousTaskIdException(idOrPrefix);
            }

            return first.Task;
        }, cancellationToken);

    public ValueTask<TaskSummary?> GetTaskSummaryAsync(string taskId, CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = $"SELECT {TaskColumns} FROM tasks WHERE id = $id";
            query.Parameters.AddWithValue("$id", taskId);
            using var reader = query.ExecuteReader();
            return reader.Read() ? ReadSummary(reader) : null;
        }, cancellationToken);

    public ValueTask<IReadOnlyList<TaskSummary>> ListTasksAsync(TaskQuery query, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<TaskSummary>>(connection =>
        {
            ArgumentNullException.ThrowIfNull(query);
            using var command = connection.CreateCommand();
            var where = TaskFilters(command, query);
            if (query.After is { } after)
            {
                // Written so the created_at bound alone is an index range; the id only breaks ties within it.
                where.Add("created_at <= $after_created AND (created_at < $after_created OR id < $after_id)");
                command.Parameters.AddWithValue("$after_created", SqlValues.Micros(after.CreatedAt));
                command.Parameters.AddWithValue("$after_id", after.Id);
            }

            var filter = where.Count == 0 ? "" : "WHERE " + string.Join(" AND ", where);
            command.CommandText = $"SELECT {TaskColumns} FROM tasks {filter} ORDER BY created_at DESC, id DESC LIMIT $limit";
            command.Parameters.AddWithValue("$limit", query.Limit);
            using var reader = command.ExecuteReader();
            var tasks = new List<TaskSummary>();
            while (reader.Read())
            {
                tasks.Add(ReadSummary(reader));
            }

            return tasks;
        }, cancellationToken);

    /// <summary>The WHERE terms of a task query's filters (not its paging), with their parameters added to the command.</summary>
    private static List<string> TaskFilters(SqliteCommand command, TaskQuery query)
    {
        var where = new List<string>();
        void Add(string term, string name, object value)
        {
            where.Add(term);
            command.Parameters.AddWithValue(name, value);
        }

        if (query.Status is { } status)
        {
            Add("status = $status", "$status", SqlValues.Text(status));
        }

        if (query.Agent is { } agent)
        {
            Add("agent = $agent", "$agent", agent);
        }

        if (query.CustomerId is { } customer)
        {
            Add("customer_id = $customer", "$customer", customer);
        }

        if (query.SessionId is { } session)
        {
            Add("session_id = $session", "$session", session);
        }

        if (query.Model is { } model)
        {
            // The model is in the usage of the calls it served; the alias a call asked for is its model step's name.
            Add("""
                (model_override = $model
                 OR EXISTS (SELECT 1 FROM usage_events u WHERE u.kind = 'model' AND u.resource = $model AND u.task_id = tasks.id)
                 OR EXISTS (SELECT 1 FROM steps s WHERE s.kind = 'model' AND s.name = $model AND s.task_id = tasks.id))
                """, "$model", model);
        }

        if (query.Search is { Length: > 0 } search)
        {
            Add("(id LIKE $search_prefix ESCAPE '\\' OR input LIKE $search_anywhere ESCAPE '\\')", "$search_prefix", EscapeLike(search) + "%");
            command.Parameters.AddWithValue("$search_anywhere", "%" + EscapeLike(search) + "%");
        }

        if (query.CreatedFrom is { } from)
        {
            Add("created_at >= $created_from", "$created_from", SqlValues.Micros(from));
        }

        if (query.CreatedBefore is { } before)
        {
            Add("created_at < $created_before", "$created_before", SqlValues.Micros(before));
        }

        if (query.MinCostUsd is { } minCost)
        {
            Add("cost_nanousd >= $min_cost", "$min_cost", SqlValues.Nano(minCost));
        }

        if (query.MaxCostUsd is { } maxCost)
        {
            Add("cost_nanousd <= $max_cost", "$max_cost", SqlValues.Nano(maxCost));
        }

        if (query.MinDuration is { } minDuration)
        {
            Add("ended_at - started_at >= $min_duration", "$min_duration", minDuration.Ticks / 10);
        }

        if (query.MaxDuration is { } maxDuration)
        {
            Add("ended_at - started_at <= $max_duration", "$max_duration", maxDuration.Ticks / 10);
        }

        return where;
    }

    public ValueTask<IReadOnlyList<StepRecord>> GetStepsAsync(string taskId, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<StepRecord>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = """
                SELECT seq, kind, name, status, attempts, fallbacks, result, error, input_tokens, output_tokens, cost_nanousd, started_at, ended_at
                FROM steps WHERE task_id = $task ORDER BY seq
                """;
            query.Parameters.AddWithValue("$task", taskId);
            using var reader = query.ExecuteReader();
            var steps = new List<StepRecord>();
            while (reader.Read())
            {
                steps.Add(new StepRecord
                {
                    TaskId = taskId,
                    Seq = reader.GetInt32(0),
                    Kind = SqlValues.StepKind(reader.GetString(1)),
                    Name = reader.GetString(2),
                    Status = SqlValues.StepStatus(reader.GetString(3)),
                    Attempts = reader.GetInt32(4),
                    Fallbacks = reader.GetInt32(5),
                    Result = NullableString(reader, 6),
                    Error = NullableString(reader, 7),
                    InputTokens = reader.GetInt64(8),
                    OutputTokens = reader.GetInt64(9),
                    CostUsd = SqlValues.Usd(reader.GetInt64(10)),
                    StartedAt = SqlValues.Time(reader.GetInt64(11)),
                    EndedAt = SqlValues.Time(reader.GetInt64(12)),
                });
            }

            return steps;
        }, cancellationToken);

    public ValueTask<IReadOnlyList<SpanRecord>> GetSpansAsync(string taskId, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<SpanRecord>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = """
                SELECT span_id, trace_id, parent_span_id, step_seq, name, start_time, end_time, status, status_message, attributes, snapshot_id
                FROM spans WHERE task_id = $task ORDER BY start_time, span_id
                """;
            query.Parameters.AddWithValue("$task", taskId);
            using var reader = query.ExecuteReader();
            var spans = new List<SpanRecord>();
            while (reader.Read())
            {
                spans.Add(new SpanRecord
                {
                    SpanId = reader.GetString(0),
                    TraceId = reader.GetString(1),
                    ParentSpanId = NullableString(reader, 2),
                    TaskId = taskId,
                    StepSeq = reader.IsDBNull(3) ? null : reader.GetInt32(3),
                    Name = reader.GetString(4),
                    StartTime = SqlValues.Time(reader.GetInt64(5)),
                    EndTime = SqlValues.Time(reader.GetInt64(6)),
                    Status = SqlValues.SpanStatus(reader.GetString(7)),
                    StatusMessage = NullableString(reader, 8),
                    Attributes = AttributeJson.Read(reader.GetString(9)),
                    SnapshotId = NullableString(reader, 10),
                });
            }

            return spans;
        }, cancellationToken);

    public ValueTask<IReadOnlyList<UsageEvent>> GetUsageAsync(string taskId, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<UsageEvent>>(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = """
                SELECT idempotency_key, customer_id, step_seq, kind, resource, deployment, input_tokens, cached_input_tokens,
                       output_tokens, quantity, cost_nanousd, created_at, api_key_id, session_id, agent
                FROM usage_events WHERE task_id = $task ORDER BY step_seq, created_at
                """;
            query.Parameters.AddWithValue("$task", taskId);
            using var reader = query.ExecuteReader();
            var usage = new List<UsageEvent>();
            while (reader.Read())
            {
                usage.Add(new UsageEvent
                {
                    IdempotencyKey = reader.GetString(0),
                    CustomerId = reader.GetString(1),
                    TaskId = taskId,
                    StepSeq = reader.IsDBNull(2) ? null : reader.GetInt32(2),
                    Kind = SqlValues.UsageKind(reader.GetString(3)),
                    Resource = reader.GetString(4),
                    Deployment = NullableString(reader, 5),
                    InputTokens = reader.GetInt64(6),
                    CachedInputTokens = reader.GetInt64(7),
                    OutputTokens = reader.GetInt64(8),
                    Quantity = decimal.Parse(reader.GetString(9), System.Globalization.CultureInfo.InvariantCulture),
                    CostUsd = SqlValues.Usd(reader.GetInt64(10)),
                    CreatedAt = SqlValues.Time(reader.GetInt64(11)),
                    ApiKeyId = NullableString(reader, 12),
                    SessionId = NullableString(reader, 13),
                    Agent = NullableString(reader, 14),
                });
            }

            return usage;
        }, cancellationToken);

    public ValueTask<IReadOnlyList<string>?> GetSnapshotAsync(string snapshotId, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<string>?>(connection =>
        {
            // A snapshot may hold only the hashes after its base's: walk the bases back (at most
            // ContextSnapshot.MaxDepth), then read the messages oldest first.
            using var query = connection.CreateCommand();
            query.CommandText = "SELECT hashes, base_id FROM context_snapshots WHERE id = $id";
            var id = query.Parameters.Add("$id", SqliteType.Text);
            var parts = new List<byte[]>();
            for (string? next = snapshotId; next is not null;)
            {
                id.Value = next;
                using var reader = query.ExecuteReader();
                if (!reader.Read())
                {
                    return parts.Count == 0 ? null : throw new StoreException($"Context snapshot {next} (a base of {snapshotId}) is missing.");
                }

                parts.Add((byte[])reader.GetValue(0));
                next = reader.IsDBNull(1) ? null : reader.GetString(1);
            }

            using var blob = connection.CreateCommand();
            blob.CommandText = "SELECT content FROM blobs WHERE hash = $hash";
            var hash = blob.Parameters.Add("$hash", SqliteType.Text);
            var messages = new List<string>();
            for (var part = parts.Count - 1; part >= 0; part--)
            {
                var packed = parts[part];
                for (var offset = 0; offset < packed.Length; offset += 32)
                {
                    hash.Value = Convert.ToHexStringLower(packed.AsSpan(offset, 32));
                    messages.Add(System.Text.Encoding.UTF8.GetString((byte[])blob.ExecuteScalar()!));
                }
            }

            return messages;
        }, cancellationToken);

    public ValueTask<StorageStats> GetStatsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = """
                SELECT (SELECT count(*) FROM tasks), (SELECT count(*) FROM steps), (SELECT count(*) FROM spans),
                       (SELECT count(*) FROM usage_events), (SELECT count(*) FROM blobs), (SELECT coalesce(sum(size), 0) FROM blobs),
                       (SELECT count(*) FROM context_snapshots), (SELECT coalesce(sum(length(hashes)), 0) FROM context_snapshots)
                """;
            using var reader = query.ExecuteReader();
            reader.Read();
            return new StorageStats(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7));
        }, cancellationToken);

    internal static TaskSummary ReadSummary(SqliteDataReader reader)
    {
        var task = new AgentTask
        {
            Id = reader.GetString(0),
            CustomerId = reader.GetString(1),
            SessionId = NullableString(reader, 2),
            ParentId = NullableString(reader, 3),
            Agent = reader.GetString(4),
            Status = SqlValues.TaskStatus(reader.GetString(5)),
            Input = NullableString(reader, 6),
            Output = NullableString(reader, 7),
            Error = NullableString(reader, 8),
            CreatedAt = SqlValues.Time(reader.GetInt64(9)),
            StartedAt = reader.IsDBNull(10) ? null : SqlValues.Time(reader.GetInt64(10)),
            EndedAt = reader.IsDBNull(11) ? null : SqlValues.Time(reader.GetInt64(11)),
            Outcome = reader.IsDBNull(19) ? null : Enum.Parse<Oversight.TaskOutcome>(reader.GetString(19), ignoreCase: true),
            OutcomeValue = reader.IsDBNull(20) ? null : decimal.Parse(reader.GetString(20), System.Globalization.CultureInfo.InvariantCulture),
            ParentStep = reader.IsDBNull(21) ? null : reader.GetInt32(21),
            ForkedFrom = NullableString(reader, 22),
            ForkedAtStep = reader.IsDBNull(23) ? null : reader.GetInt32(23),
            ModelOverride = NullableString(reader, 24),
            WakeAt = reader.IsDBNull(25) ? null : SqlValues.Time(reader.GetInt64(25)),
            LeaseOwner = NullableString(reader, 26),
            LeaseExpiresAt = reader.IsDBNull(27) ? null : SqlValues.Time(reader.GetInt64(27)),
        };
        return new TaskSummary(task, reader.GetInt32(12), reader.GetInt32(13), reader.GetInt32(14), reader.GetInt32(15),
            reader.GetInt64(16), reader.GetInt64(17), SqlValues.Usd(reader.GetInt64(18)));
    }

    private static string? NullableString(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static string EscapeLike(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}
