using Keel.Context;
using Keel.Journal;
using Keel.Storage.Sqlite.Schema;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Usage;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite;

public sealed partial class SqliteKeelStore
{
    public async ValueTask CreateTaskAsync(AgentTask task, CancellationToken cancellationToken = default)
    {
        await WriteAsync(connection =>
        {
            InsertTask(connection, null, task, ifMissing: false);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask CommitStepAsync(StepCommit commit, CancellationToken cancellationToken = default)
    {
        await WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            Apply(connection, transaction, commit);
            transaction.Commit();
            return 0;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask CommitBatchAsync(IReadOnlyList<StepCommit> commits, CancellationToken cancellationToken = default)
    {
        var errors = await WriteAsync(connection =>
        {
            List<Exception>? failures = null;
            using var transaction = connection.BeginTransaction();
            foreach (var commit in commits)
            {
                // A savepoint per commit keeps each one all-or-nothing inside the batch's single transaction.
                transaction.Save("step");
                try
                {
                    Apply(connection, transaction, commit);
                    transaction.Release("step");
                }
                catch (Exception ex) when (ex is SqliteException or StoreException or ArgumentException)
                {
                    transaction.Rollback("step");
                    transaction.Release("step");
                    (failures ??= []).Add(ex);
                }
            }

            transaction.Commit();
            return failures;
        }, cancellationToken).ConfigureAwait(false);

        if (errors is not null)
        {
            throw new AggregateException($"{errors.Count} of {commits.Count} step commits failed and were left out.", errors);
        }
    }

    public ValueTask<int> NextStepSeqAsync(string taskId, CancellationToken cancellationToken = default) =>
        ReadAsync(connection =>
        {
            using var query = connection.CreateCommand();
            query.CommandText = "SELECT coalesce(max(seq), 0) + 1 FROM steps WHERE task_id = $task";
            query.Parameters.AddWithValue("$task", taskId);
            return Convert.ToInt32(query.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);

    private static void Apply(SqliteConnection connection, SqliteTransaction transaction, StepCommit commit)
    {
        if (commit.CreateTaskIfMissing is { } newTask)
        {
            InsertTask(connection, transaction, newTask, ifMissing: true);
        }

        var costNano = InsertUsage(connection, transaction, commit.Usage);
        InsertBlobsAndSnapshots(connection, transaction, commit.Snapshots);
        if (commit.Step is { } step)
        {
            InsertStep(connection, transaction, step, costNano);
        }
        else if (costNano != 0)
        {
            throw new ArgumentException("Usage must belong to a journal step.", nameof(commit));
        }

        InsertSpans(connection, transaction, commit.Spans);
        if (commit.Task is { } task)
        {
            UpdateTaskState(connection, transaction, task);
        }
    }

    private static void InsertTask(SqliteConnection connection, SqliteTransaction? transaction, AgentTask task, bool ifMissing)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = $"""
            INSERT INTO tasks (id, customer_id, session_id, parent_id, agent, status, input, output, error, created_at, started_at, ended_at)
            VALUES ($id, $customer, $session, $parent, $agent, $status, $input, $output, $error, $created, $started, $ended)
            {(ifMissing ? "ON CONFLICT (id) DO NOTHING" : "")}
            """;
        insert.Parameters.AddWithValue("$id", task.Id);
        insert.Parameters.AddWithValue("$customer", task.CustomerId);
        insert.Parameters.AddWithValue("$session", (object?)task.SessionId ?? DBNull.Value);
        insert.Parameters.AddWithValue("$parent", (object?)task.ParentId ?? DBNull.Value);
        insert.Parameters.AddWithValue("$agent", task.Agent);
        insert.Parameters.AddWithValue("$created", SqlValues.Micros(task.CreatedAt));
        BindTaskState(insert, task);
        insert.ExecuteNonQuery();
    }

    private static void BindTaskState(SqliteCommand command, AgentTask task)
    {
        command.Parameters.AddWithValue("$status", SqlValues.Text(task.Status));
        command.Parameters.AddWithValue("$input", (object?)task.Input ?? DBNull.Value);
        command.Parameters.AddWithValue("$output", (object?)task.Output ?? DBNull.Value);
        command.Parameters.AddWithValue("$error", (object?)task.Error ?? DBNull.Value);
        command.Parameters.AddWithValue("$started", task.StartedAt is { } s ? SqlValues.Micros(s) : DBNull.Value);
        command.Parameters.AddWithValue("$ended", task.EndedAt is { } e ? SqlValues.Micros(e) : DBNull.Value);
    }

    private static void UpdateTaskState(SqliteConnection connection, SqliteTransaction transaction, AgentTask task)
    {
        using var update = connection.CreateCommand();
        update.Transaction = transaction;
        update.CommandText = """
            UPDATE tasks SET status = $status, input = $input, output = $output, error = $error,
                             started_at = $started, ended_at = $ended
            WHERE id = $id
            """;
        update.Parameters.AddWithValue("$id", task.Id);
        BindTaskState(update, task);
        if (update.ExecuteNonQuery() != 1)
        {
            throw new StoreException($"Task {task.Id} does not exist.");
        }
    }

    /// <summary>Inserts the step and adds it to its task's totals; the cost is what its usage actually added.</summary>
    private static void InsertStep(SqliteConnection connection, SqliteTransaction transaction, StepRecord step, long costNano)
    {
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO steps (task_id, seq, kind, name, status, attempts, fallbacks, result, error, input_tokens, output_tokens, cost_nanousd, started_at, ended_at)
            VALUES ($task, $seq, $kind, $name, $status, $attempts, $fallbacks, $result, $error, $in, $out, $cost, $started, $ended);
            UPDATE tasks SET steps = steps + 1,
                             model_calls = model_calls + $model_calls,
                             retries = retries + $retries,
                             fallbacks = fallbacks + $fallbacks,
                             input_tokens = input_tokens + $in,
                             output_tokens = output_tokens + $out,
                             cost_nanousd = cost_nanousd + $cost
            WHERE id = $task;
            """;
        insert.Parameters.AddWithValue("$task", step.TaskId);
        insert.Parameters.AddWithValue("$seq", step.Seq);
        insert.Parameters.AddWithValue("$kind", SqlValues.Text(step.Kind));
        insert.Parameters.AddWithValue("$name", step.Name);
        insert.Parameters.AddWithValue("$status", SqlValues.Text(step.Status));
        insert.Parameters.AddWithValue("$attempts", step.Attempts);
        insert.Parameters.AddWithValue("$fallbacks", step.Fallbacks);
        insert.Parameters.AddWithValue("$retries", step.Retries);
        insert.Parameters.AddWithValue("$model_calls", step.Kind == StepKind.Model ? 1 : 0);
        insert.Parameters.AddWithValue("$result", (object?)step.Result ?? DBNull.Value);
        insert.Parameters.AddWithValue("$error", (object?)step.Error ?? DBNull.Value);
        insert.Parameters.AddWithValue("$in", step.InputTokens);
        insert.Parameters.AddWithValue("$out", step.OutputTokens);
        insert.Parameters.AddWithValue("$cost", costNano);
        insert.Parameters.AddWithValue("$started", SqlValues.Micros(step.StartedAt));
        insert.Parameters.AddWithValue("$ended", SqlValues.Micros(step.EndedAt));
        insert.ExecuteNonQuery();
    }

    /// <summary>Inserts usage, skipping keys already stored; returns the cost that was newly recorded.</summary>
    private static long InsertUsage(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<UsageEvent> usage)
    {
        if (usage.Count == 0)
        {
            return 0;
        }

        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO usage_events (idempotency_key, customer_id, task_id, step_seq, kind, resource, deployment,
                                      input_tokens, cached_input_tokens, output_tokens, quantity, cost_nanousd, created_at)
            VALUES ($key, $customer, $task, $seq, $kind, $resource, $deployment, $in, $cached, $out, $quantity, $cost, $created)
            ON CONFLICT (idempotency_key) DO NOTHING
            """;
        var key = insert.Parameters.Add("$key", SqliteType.Text);
        var customer = insert.Parameters.Add("$customer", SqliteType.Text);
        var task = insert.Parameters.Add("$task", SqliteType.Text);
        var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var kind = insert.Parameters.Add("$kind", SqliteType.Text);
        var resource = insert.Parameters.Add("$resource", SqliteType.Text);
        var deployment = insert.Parameters.Add("$deployment", SqliteType.Text);
        var input = insert.Parameters.Add("$in", SqliteType.Integer);
        var cached = insert.Parameters.Add("$cached", SqliteType.Integer);
        var output = insert.Parameters.Add("$out", SqliteType.Integer);
        var quantity = insert.Parameters.Add("$quantity", SqliteType.Text);
        var cost = insert.Parameters.Add("$cost", SqliteType.Integer);
        var created = insert.Parameters.Add("$created", SqliteType.Integer);

        long added = 0;
        foreach (var e in usage)
        {
            var nano = SqlValues.Nano(e.CostUsd);
            key.Value = e.IdempotencyKey;
            customer.Value = e.CustomerId;
            task.Value = (object?)e.TaskId ?? DBNull.Value;
            seq.Value = (object?)e.StepSeq ?? DBNull.Value;
            kind.Value = SqlValues.Text(e.Kind);
            resource.Value = e.Resource;
            deployment.Value = (object?)e.Deployment ?? DBNull.Value;
            input.Value = e.InputTokens;
            cached.Value = e.CachedInputTokens;
            output.Value = e.OutputTokens;
            quantity.Value = e.Quantity.ToString(System.Globalization.CultureInfo.InvariantCulture);
            cost.Value = nano;
            created.Value = SqlValues.Micros(e.CreatedAt);
            if (insert.ExecuteNonQuery() == 1)
            {
                added += nano;
            }
        }

        return added;
    }

    private static void InsertBlobsAndSnapshots(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<ContextSnapshot> snapshots)
    {
        if (snapshots.Count == 0)
        {
            return;
        }

        using var blob = connection.CreateCommand();
        blob.Transaction = transaction;
        blob.CommandText = "INSERT INTO blobs (hash, size, content) VALUES ($hash, $size, $content) ON CONFLICT (hash) DO NOTHING";
        var hash = blob.Parameters.Add("$hash", SqliteType.Text);
        var size = blob.Parameters.Add("$size", SqliteType.Integer);
        var content = blob.Parameters.Add("$content", SqliteType.Blob);

        using var snapshot = connection.CreateCommand();
        snapshot.Transaction = transaction;
        snapshot.CommandText = "INSERT INTO context_snapshots (id, hashes) VALUES ($id, $hashes) ON CONFLICT (id) DO NOTHING";
        var id = snapshot.Parameters.Add("$id", SqliteType.Text);
        var hashes = snapshot.Parameters.Add("$hashes", SqliteType.Blob);

        foreach (var s in snapshots)
        {
            var packed = new byte[s.Messages.Count * 32];
            for (var i = 0; i < s.Messages.Count; i++)
            {
                var message = s.Messages[i];
                Convert.FromHexString(message.Hash).CopyTo(packed, i * 32);
                hash.Value = message.Hash;
                size.Value = message.Content.Length;
                content.Value = message.Content;
                blob.ExecuteNonQuery();
            }

            id.Value = s.Id;
            hashes.Value = packed;
            snapshot.ExecuteNonQuery();
        }
    }

    private static void InsertSpans(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<SpanRecord> spans)
    {
        if (spans.Count == 0)
        {
            return;
        }

        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO spans (span_id, trace_id, parent_span_id, task_id, step_seq, name, start_time, end_time, status, status_message, attributes, snapshot_id)
            VALUES ($span, $trace, $parent, $task, $seq, $name, $start, $end, $status, $message, $attributes, $snapshot)
            """;
        var spanId = insert.Parameters.Add("$span", SqliteType.Text);
        var traceId = insert.Parameters.Add("$trace", SqliteType.Text);
        var parent = insert.Parameters.Add("$parent", SqliteType.Text);
        var task = insert.Parameters.Add("$task", SqliteType.Text);
        var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
        var name = insert.Parameters.Add("$name", SqliteType.Text);
        var start = insert.Parameters.Add("$start", SqliteType.Integer);
        var end = insert.Parameters.Add("$end", SqliteType.Integer);
        var status = insert.Parameters.Add("$status", SqliteType.Text);
        var message = insert.Parameters.Add("$message", SqliteType.Text);
        var attributes = insert.Parameters.Add("$attributes", SqliteType.Text);
        var snapshot = insert.Parameters.Add("$snapshot", SqliteType.Text);

        foreach (var span in spans)
        {
            spanId.Value = span.SpanId;
            traceId.Value = span.TraceId;
            parent.Value = (object?)span.ParentSpanId ?? DBNull.Value;
            task.Value = span.TaskId;
            seq.Value = (object?)span.StepSeq ?? DBNull.Value;
            name.Value = span.Name;
            start.Value = SqlValues.Micros(span.StartTime);
            end.Value = SqlValues.Micros(span.EndTime);
            status.Value = SqlValues.Text(span.Status);
            message.Value = (object?)span.StatusMessage ?? DBNull.Value;
            attributes.Value = AttributeJson.Write(span.Attributes);
            snapshot.Value = (object?)span.SnapshotId ?? DBNull.Value;
            insert.ExecuteNonQuery();
        }
    }
}
