using Keel.Context;
using Keel.Journal;
using Keel.Storage.Sqlite.Schema;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Usage;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite.Journal;

/// <summary>
/// Writes step commits through statements prepared once for the writer connection. Preparing SQL is most of
/// the cost of a small insert; the gateway commits thousands of steps a second, so each statement is compiled
/// once and only rebound afterwards.
/// </summary>
internal sealed class JournalWriter : IDisposable
{
    private readonly PreparedStatement _insertTask;
    private readonly PreparedStatement _insertTaskIfMissing;
    private readonly PreparedStatement _taskCreatedChange;
    private readonly PreparedStatement _updateTask;
    private readonly PreparedStatement _insertStep;
    private readonly PreparedStatement _addStepTotals;
    private readonly PreparedStatement _insertUsage;
    private readonly PreparedStatement _insertBlob;
    private readonly PreparedStatement _insertSnapshot;
    private readonly PreparedStatement _insertSpan;
    private readonly PreparedStatement _insertIntervention;
    private readonly PreparedStatement _leaseOwnerOf;
    private readonly PreparedStatement _insertApproval;
    private readonly PreparedStatement _wakeParent;
    private readonly PreparedStatement _closeTimedOutApproval;
    private readonly PreparedStatement _wakeIfAlreadyReady;
    private readonly ToolStateWriter _toolState;
    private readonly SessionMessageWriter _sessionMessages;
    private readonly TraceLinkWriter _traceLinks;
    private readonly CostRollupWriter _costRollup;

    // Content already in the file. An agent resends its system prompt and history at every step, so most blobs of
    // a snapshot are known; skipping their inserts is most of the saving content addressing promises. Entries
    // join only once their transaction has committed, so a rolled-back insert is never taken as stored.
    private readonly HashSet<string> _stored = new(StringComparer.Ordinal);
    private readonly List<string> _uncommitted = [];
    private readonly HashSet<string> _uncommittedSet = new(StringComparer.Ordinal);
    private const int MaxRemembered = 200_000;

    // Step totals not yet on their tasks' rows (see FlushTotals), and where each commit of the open transaction began in
    // _uncommitted and in the totals, so that a commit rolled back to its savepoint takes exactly its own entries along.
    private readonly PendingTaskTotals _totals = new();
    private readonly List<(int Stored, int Totals, CostRollupMark Rollup)> _commitStarts = [];
    private readonly AttributeJsonWriter _attributes = new();

    public JournalWriter(SqliteConnection connection, RecentTraceLinks recentLinks, int traceLinkMergeLinks)
    {
        const string taskColumns = """
            id, customer_id, session_id, parent_id, agent, status, input, output, error, created_at, started_at, ended_at,
            parent_step, forked_from, forked_at_step, model_override, wake_at, lease_owner, lease_expires_at, due_at
            """;
        const string taskValues = """
            $id, $customer, $session, $parent, $agent, $status, $input, $output, $error, $created, $started, $ended,
            $parent_step, $forked_from, $forked_at_step, $model_override, $wake, $lease_owner, $lease_expires, $due
            """;
        _insertTask = new(connection, $"INSERT INTO tasks ({taskColumns}) VALUES ({taskValues})");
        _insertTaskIfMissing = new(connection, $"INSERT INTO tasks ({taskColumns}) VALUES ({taskValues}) ON CONFLICT (id) DO NOTHING");
        _taskCreatedChange = new(connection, "INSERT INTO billing_task_changes (task_id) VALUES ($id)"); // see migration 23
        _updateTask = new(connection, """
            UPDATE tasks SET status = $status, input = $input, output = $output, error = $error, started_at = $started, ended_at = $ended,
                             wake_at = $wake, lease_owner = $lease_owner, lease_expires_at = $lease_expires, due_at = $due,
                             steps = steps + $steps, model_calls = model_calls + $model_calls, retries = retries + $retries,
                             fallbacks = fallbacks + $fallbacks, input_tokens = input_tokens + $in,
                             output_tokens = output_tokens + $out, cost_nanousd = cost_nanousd + $cost
            WHERE id = $id
            """);
        _insertStep = new(connection, """
            INSERT INTO steps (task_id, seq, kind, name, status, attempts, fallbacks, result, error, input_tokens, output_tokens, cost_nanousd, started_at, ended_at)
            VALUES ($task, $seq, $kind, $name, $status, $attempts, $fallbacks, $result, $error, $in, $out, $cost, $started, $ended)
            """);
        _addStepTotals = new(connection, """
            UPDATE tasks SET steps = steps + $steps, model_calls = model_calls + $model_calls, retries = retries + $retries,
                             fallbacks = fallbacks + $fallbacks, input_tokens = input_tokens + $in,
                             output_tokens = output_tokens + $out, cost_nanousd = cost_nanousd + $cost
            WHERE id = $task
            """);
        _insertUsage = new(connection, """
            INSERT INTO usage_events (idempotency_key, customer_id, task_id, step_seq, kind, resource, deployment,
                                      input_tokens, cached_input_tokens, output_tokens, quantity, cost_nanousd, created_at,
                                      api_key_id, session_id, agent)
            VALUES ($key, $customer, $task, $seq, $kind, $resource, $deployment, $in, $cached, $out, $quantity, $cost, $created,
                    $api_key, $session, $agent)
            ON CONFLICT (idempotency_key) DO NOTHING
            """);
        _insertBlob = new(connection, "INSERT INTO blobs (hash, size, content) VALUES ($hash, $size, $content) ON CONFLICT (hash) DO NOTHING");
        _insertSnapshot = new(connection, "INSERT INTO context_snapshots (id, hashes, base_id) VALUES ($id, $hashes, $base) ON CONFLICT (id) DO NOTHING");
        _insertIntervention = new(connection, """
            INSERT INTO interventions (id, task_id, customer_id, step_seq, actor, kind, decision, started_at, ended_at, note)
            VALUES ($id, $task, $customer, $seq, $actor, $kind, $decision, $started, $ended, $note)
            """);
        _leaseOwnerOf = new(connection, "SELECT lease_owner FROM tasks WHERE id = $id");
        _insertApproval = new(connection, """
            INSERT INTO approvals (task_id, seq, customer_id, request, requested_at, timeout_at, status)
            VALUES ($task, $seq, $customer, $request, $requested, $timeout, 'pending')
            ON CONFLICT (task_id, seq) DO NOTHING
            """);
        _wakeParent = new(connection, "UPDATE tasks SET due_at = $now, wake_at = $now WHERE id = $parent AND status = 'waiting'");
        _closeTimedOutApproval = new(connection, "UPDATE approvals SET status = 'timedout', decided_at = $at WHERE task_id = $task AND seq = $seq AND status = 'pending'");

        // What a task parks for may have happened while it ran, when there was no waiting task to wake: a decision
        // on its approval, or the end of its child. The step that consumes it is not journaled yet, so the task is
        // due from that moment instead of sleeping through it.
        _wakeIfAlreadyReady = new(connection, """
            WITH ready(at) AS (
                SELECT a.decided_at FROM approvals a
                WHERE a.task_id = $id AND a.status IN ('approved', 'rejected')
                  AND NOT EXISTS (SELECT 1 FROM steps s WHERE s.task_id = a.task_id AND s.seq = a.seq)
                UNION ALL
                SELECT coalesce(c.ended_at, c.created_at) FROM tasks c
                WHERE c.parent_id = $id AND c.status IN ('succeeded', 'failed')
                  AND NOT EXISTS (SELECT 1 FROM steps s WHERE s.task_id = c.parent_id AND s.seq = c.parent_step))
            UPDATE tasks SET due_at = (SELECT min(at) FROM ready), wake_at = (SELECT min(at) FROM ready)
            WHERE id = $id AND status = 'waiting' AND EXISTS (SELECT 1 FROM ready)
              AND (due_at IS NULL OR due_at > (SELECT min(at) FROM ready))
            """);
        _toolState = new ToolStateWriter(connection);
        _sessionMessages = new SessionMessageWriter(connection);
        _traceLinks = new TraceLinkWriter(connection, recentLinks, traceLinkMergeLinks);
        _costRollup = new CostRollupWriter(connection);
        _insertSpan = new(connection, """
            INSERT INTO spans (span_id, trace_id, parent_span_id, task_id, step_seq, name, start_time, end_time, status, status_message, attributes, snapshot_id)
            VALUES ($span, $trace, $parent, $task, $seq, $name, $start, $end, $status, $message, $attributes, $snapshot)
            """);
    }

    public void InsertTask(AgentTask task, SqliteTransaction transaction)
    {
        Insert(_insertTask, task, transaction);
        _costRollup.TaskCreated(task);
    }

    /// <summary>
    /// A mark (the number of commits applied in the open transaction) to return to with <see cref="RolledBackTo"/> when
    /// a savepoint is rolled back. 0 is the start of the transaction.
    /// </summary>
    public int Mark => _commitStarts.Count;

    /// <summary>
    /// The transaction committed: what it stored is now known to be in the file. Then, when the trace link log is due,
    /// it is merged in a transaction of its own.
    /// </summary>
    public void Committed()
    {
        System.Diagnostics.Debug.Assert(_totals.IsEmpty, "Deferred step totals were not flushed before the commit.");
        System.Diagnostics.Debug.Assert(_costRollup.IsEmpty, "Cost rollup updates were not flushed before the commit.");
        if (_stored.Count + _uncommitted.Count > MaxRemembered)
        {
            _stored.Clear(); // forgetting only costs a redundant insert, never correctness
        }

        _stored.UnionWith(_uncommitted);
        _uncommitted.Clear();
        _uncommittedSet.Clear();
        _commitStarts.Clear();
        _totals.Clear();
        _costRollup.Clear();
        _traceLinks.MergeIfDue();
    }

    /// <summary>Everything the commits applied since <paramref name="mark"/> wrote was undone (0: the whole transaction).</summary>
    public void RolledBackTo(int mark)
    {
        if (mark == 0)
        {
            _uncommitted.Clear();
            _uncommittedSet.Clear();
            _commitStarts.Clear();
            _totals.Clear();
            _costRollup.Clear();
            return;
        }

        if (mark >= _commitStarts.Count)
        {
            return;
        }

        var (stored, totals, rollup) = _commitStarts[mark];
        for (var i = stored; i < _uncommitted.Count; i++)
        {
            _uncommittedSet.Remove(_uncommitted[i]);
        }

        _uncommitted.RemoveRange(stored, _uncommitted.Count - stored);
        _totals.RollBackTo(totals);
        _costRollup.RollBackTo(rollup);
        _commitStarts.RemoveRange(mark, _commitStarts.Count - mark);
    }

    /// <summary>
    /// Adds the step totals that <see cref="Apply"/> deferred to their tasks' rows: one UPDATE per task, whatever the
    /// number of its steps in the transaction, and the transaction's usage to the cost rollup (<see cref="CostRollupWriter"/>).
    /// Call it just before committing any transaction that applied commits.
    /// </summary>
    public void FlushTotals(SqliteTransaction transaction)
    {
        foreach (var (taskId, totals) in _totals.Due)
        {
            AddTotals(taskId, totals, transaction);
        }

        _totals.Clear();
        _costRollup.Flush(transaction);
    }

    /// <summary>
    /// Writes one commit. Throws on a constraint violation; the caller's transaction undoes the rest. The step's totals
    /// wait in the writer until <see cref="FlushTotals"/> (or the commit's own task update) writes its task's row, and its
    /// usage waits for the cost rollup: every transaction that applies commits calls FlushTotals before committing.
    /// </summary>
    public void Apply(StepCommit commit, SqliteTransaction transaction)
    {
        _commitStarts.Add((_uncommitted.Count, _totals.Mark, _costRollup.Mark));
        if (commit.LeaseOwner is { } worker)
        {
            CheckLease(commit.Step?.TaskId ?? commit.Task?.Id ?? throw new ArgumentException("A leased commit names its task.", nameof(commit)), worker, transaction);
        }

        var taskUpdate = commit.Task;
        if (commit.CreateTaskIfMissing is { } newTask)
        {
            // A task that opens and closes in this very commit (a gateway call with no task of its own) is written
            // once, in its final state.
            var finalState = taskUpdate is not null && taskUpdate.Id == newTask.Id ? taskUpdate : newTask;
            if (Insert(_insertTaskIfMissing, finalState, transaction) == 1)
            {
                _costRollup.TaskCreated(finalState);
                if (ReferenceEquals(finalState, taskUpdate))
                {
                    taskUpdate = null;
                }
            }
        }

        _traceLinks.Write(commit, transaction);
        _toolState.Apply(commit, transaction); // first: a conflict refuses the commit before anything else is written
        var costNano = InsertUsage(commit.Usage, transaction);
        InsertSnapshots(commit.Snapshots, transaction);
        if (commit.Step is { } step)
        {
            InsertStep(step, costNano, transaction);
            if (step.Kind == StepKind.Approval)
            {
                // A task journals its approval step while the approval is still pending only when it stopped waiting.
                var close = _closeTimedOutApproval.Bind(transaction);
                close.Set("$task", step.TaskId);
                close.Set("$seq", step.Seq);
                close.Set("$at", SqlValues.Micros(step.EndedAt));
                close.Execute();
            }
        }
        else if (costNano != 0)
        {
            throw new ArgumentException("Usage must belong to a journal step.", nameof(commit));
        }

        foreach (var span in commit.Spans)
        {
            InsertSpan(span, transaction);
        }

        foreach (var intervention in commit.Interventions)
        {
            var insert = _insertIntervention.Bind(transaction);
            insert.Set("$id", intervention.Id);
            insert.Set("$task", intervention.TaskId);
            insert.Set("$customer", intervention.CustomerId);
            insert.Set("$seq", intervention.StepSeq);
            insert.Set("$actor", intervention.Actor);
            insert.Set("$kind", SqlValues.Text(intervention.Kind));
            insert.Set("$decision", intervention.Decision);
            insert.Set("$started", SqlValues.Micros(intervention.StartedAt));
            insert.Set("$ended", SqlValues.Micros(intervention.EndedAt));
            insert.Set("$note", intervention.Note);
            insert.Execute();
        }

        _sessionMessages.Write(commit.SessionMessages, transaction);

        if (commit.OpenApproval is { } approval)
        {
            var insert = _insertApproval.Bind(transaction);
            insert.Set("$task", approval.TaskId);
            insert.Set("$seq", approval.Seq);
            insert.Set("$customer", approval.CustomerId);
            insert.Set("$request", approval.Request);
            insert.Set("$requested", SqlValues.Micros(approval.RequestedAt));
            insert.Set("$timeout", approval.TimeoutAt is { } timeout ? SqlValues.Micros(timeout) : null);
            insert.Execute();
        }

        if (taskUpdate is not null)
        {
            // The row is rewritten anyway: the task's pending step totals ride along instead of costing an UPDATE of
            // their own, and a trigger on the status change sees the totals complete.
            var update = _updateTask.Bind(transaction);
            update.Set("$id", taskUpdate.Id);
            BindState(update, taskUpdate);
            BindTotals(update, _totals.Take(taskUpdate.Id));
            if (update.Execute() != 1)
            {
                throw new StoreException($"Task {taskUpdate.Id} does not exist.");
            }

            if (taskUpdate is { ParentId: { } parent, Status: AgentTaskStatus.Succeeded or AgentTaskStatus.Failed })
            {
                var wake = _wakeParent.Bind(transaction);
                wake.Set("$parent", parent);
                wake.Set("$now", SqlValues.Micros(taskUpdate.EndedAt ?? taskUpdate.CreatedAt));
                wake.Execute();
            }

            if (taskUpdate.Status == AgentTaskStatus.Waiting)
            {
                var ready = _wakeIfAlreadyReady.Bind(transaction);
                ready.Set("$id", taskUpdate.Id);
                ready.Execute();
            }
        }
    }

    /// <summary>Refuses a commit from a worker that no longer holds the task's lease.</summary>
    private void CheckLease(string taskId, string worker, SqliteTransaction transaction)
    {
        var query = _leaseOwnerOf.Bind(transaction);
        query.Set("$id", taskId);
        if (query.Scalar() is not string owner || owner != worker)
        {
            throw new LeaseLostException(taskId, worker);
        }
    }

    public void Dispose()
    {
        foreach (var statement in new[] { _insertTask, _insertTaskIfMissing, _taskCreatedChange, _updateTask, _insertStep, _addStepTotals, _insertUsage, _insertBlob, _insertSnapshot, _insertSpan, _insertIntervention, _leaseOwnerOf, _insertApproval, _wakeParent, _closeTimedOutApproval, _wakeIfAlreadyReady })
        {
            statement.Dispose();
        }

        _toolState.Dispose();
        _sessionMessages.Dispose();
        _traceLinks.Dispose();
        _costRollup.Dispose();
        _attributes.Dispose();
    }

    /// <summary>Inserts the task (1) unless the statement skips it (0), and then adds "created" to the billing change feed.</summary>
    private int Insert(PreparedStatement statement, AgentTask task, SqliteTransaction transaction)
    {
        var insert = statement.Bind(transaction);
        insert.Set("$id", task.Id);
        insert.Set("$customer", task.CustomerId);
        insert.Set("$session", task.SessionId);
        insert.Set("$parent", task.ParentId);
        insert.Set("$agent", task.Agent);
        insert.Set("$created", SqlValues.Micros(task.CreatedAt));
        insert.Set("$parent_step", task.ParentStep);
        insert.Set("$forked_from", task.ForkedFrom);
        insert.Set("$forked_at_step", task.ForkedAtStep);
        insert.Set("$model_override", task.ModelOverride);
        BindState(insert, task);
        if (insert.Execute() == 0)
        {
            return 0;
        }

        var change = _taskCreatedChange.Bind(transaction);
        change.Set("$id", task.Id);
        change.Execute();
        return 1;
    }

    private static void BindState(PreparedStatement statement, AgentTask task)
    {
        statement.Set("$status", SqlValues.Text(task.Status));
        statement.Set("$input", task.Input);
        statement.Set("$output", task.Output);
        statement.Set("$error", task.Error);
        statement.Set("$started", task.StartedAt is { } s ? SqlValues.Micros(s) : null);
        statement.Set("$ended", task.EndedAt is { } e ? SqlValues.Micros(e) : null);
        statement.Set("$wake", task.WakeAt is { } w ? SqlValues.Micros(w) : null);
        statement.Set("$lease_owner", task.LeaseOwner);
        statement.Set("$lease_expires", task.LeaseExpiresAt is { } l ? SqlValues.Micros(l) : null);
        statement.Set("$due", DueAt(task));
    }

    /// <summary>When a worker may take the task (see the tasks.due_at column); null: never by itself.</summary>
    private static long? DueAt(AgentTask task) => task.Status switch
    {
        AgentTaskStatus.Pending => SqlValues.Micros(task.CreatedAt),
        AgentTaskStatus.Running => task.LeaseExpiresAt is { } expires ? SqlValues.Micros(expires) : null,
        AgentTaskStatus.Waiting => task.WakeAt is { } wake ? SqlValues.Micros(wake) : null,
        _ => null,
    };

    /// <summary>Inserts the step and adds it to its task's totals; the cost is what its usage actually added.</summary>
    private void InsertStep(StepRecord step, long costNano, SqliteTransaction transaction)
    {
        var insert = _insertStep.Bind(transaction);
        insert.Set("$task", step.TaskId);
        insert.Set("$seq", step.Seq);
        insert.Set("$kind", SqlValues.Text(step.Kind));
        insert.Set("$name", step.Name);
        insert.Set("$status", SqlValues.Text(step.Status));
        insert.Set("$attempts", step.Attempts);
        insert.Set("$fallbacks", step.Fallbacks);
        insert.Set("$result", step.Result);
        insert.Set("$error", step.Error);
        insert.Set("$in", step.InputTokens);
        insert.Set("$out", step.OutputTokens);
        insert.Set("$cost", costNano);
        insert.Set("$started", SqlValues.Micros(step.StartedAt));
        insert.Set("$ended", SqlValues.Micros(step.EndedAt));
        insert.Execute();

        _totals.Add(step.TaskId, new StepTotals(1, step.Kind == StepKind.Model ? 1 : 0, step.Retries, step.Fallbacks, step.InputTokens, step.OutputTokens, costNano));
    }

    private void AddTotals(string taskId, StepTotals totals, SqliteTransaction transaction)
    {
        var update = _addStepTotals.Bind(transaction);
        update.Set("$task", taskId);
        BindTotals(update, totals);
        update.Execute();
    }

    private static void BindTotals(PreparedStatement statement, StepTotals totals)
    {
        statement.Set("$steps", totals.Steps);
        statement.Set("$model_calls", totals.ModelCalls);
        statement.Set("$retries", totals.Retries);
        statement.Set("$fallbacks", totals.Fallbacks);
        statement.Set("$in", totals.InputTokens);
        statement.Set("$out", totals.OutputTokens);
        statement.Set("$cost", totals.CostNano);
    }

    /// <summary>Inserts usage, skipping keys already stored; returns the cost that was newly recorded.</summary>
    private long InsertUsage(IReadOnlyList<UsageEvent> usage, SqliteTransaction transaction)
    {
        long added = 0;
        foreach (var e in usage)
        {
            var nano = SqlValues.Nano(e.CostUsd);
            var insert = _insertUsage.Bind(transaction);
            insert.Set("$key", e.IdempotencyKey);
            insert.Set("$customer", e.CustomerId);
            insert.Set("$task", e.TaskId);
            insert.Set("$seq", e.StepSeq);
            insert.Set("$kind", SqlValues.Text(e.Kind));
            insert.Set("$resource", e.Resource);
            insert.Set("$deployment", e.Deployment);
            insert.Set("$in", e.InputTokens);
            insert.Set("$cached", e.CachedInputTokens);
            insert.Set("$out", e.OutputTokens);
            insert.Set("$quantity", e.Quantity.ToString(System.Globalization.CultureInfo.InvariantCulture));
            insert.Set("$cost", nano);
            insert.Set("$created", SqlValues.Micros(e.CreatedAt));
            insert.Set("$api_key", e.ApiKeyId);
            insert.Set("$session", e.SessionId);
            insert.Set("$agent", e.Agent);
            if (insert.Execute() == 1)
            {
                added += nano;
                _costRollup.Inserted(e, nano);
            }
        }

        return added;
    }

    private void InsertSnapshots(IReadOnlyList<ContextSnapshot> snapshots, SqliteTransaction transaction)
    {
        foreach (var s in snapshots)
        {
            if (IsWritten(s.Id))
            {
                continue;
            }

            // A base counts only when it is surely in the file (committed, or written by this same transaction); else the
            // snapshot is stored whole, so a read never meets a missing base.
            var baseId = s.BaseId is { } candidate && IsWritten(candidate) ? candidate : null;
            var skip = baseId is null ? 0 : s.BaseLength;
            var packed = new byte[(s.Messages.Count - skip) * 32];
            for (var i = 0; i < s.Messages.Count; i++)
            {
                var message = s.Messages[i];
                if (i >= skip)
                {
                    PackHash(s.Id, message.Hash, packed.AsSpan((i - skip) * 32, 32));
                }

                // Content written earlier in this transaction counts as stored too: a commit that wrote it and is rolled
                // back to its savepoint has already been applied, so no later commit can come to rely on it.
                if (IsWritten(message.Hash))
                {
                    continue;
                }

                var blob = _insertBlob.Bind(transaction);
                blob.Set("$hash", message.Hash);
                blob.Set("$size", message.Content.Length);
                blob.Set("$content", message.Content);
                blob.Execute();
                Written(message.Hash);
            }

            var snapshot = _insertSnapshot.Bind(transaction);
            snapshot.Set("$id", s.Id);
            snapshot.Set("$hashes", packed);
            snapshot.Set("$base", baseId);
            snapshot.Execute();
            Written(s.Id);
        }
    }

    /// <summary>A message's SHA-256 (64 hex digits) as the 32 bytes a snapshot row lists, decoded without allocating.</summary>
    private static void PackHash(string snapshotId, string hash, Span<byte> destination)
    {
        if (hash.Length != 64 || Convert.FromHexString(hash, destination, out _, out _) != System.Buffers.OperationStatus.Done)
        {
            throw new ArgumentException($"Snapshot {snapshotId} names a message hash that is not 64 hex digits: {hash}.");
        }
    }

    /// <summary>Whether content or a snapshot is surely in the file once the open transaction commits.</summary>
    private bool IsWritten(string key) => _stored.Contains(key) || _uncommittedSet.Contains(key);

    private void Written(string key)
    {
        if (_uncommittedSet.Add(key))
        {
            _uncommitted.Add(key);
        }
    }

    private void InsertSpan(SpanRecord span, SqliteTransaction transaction)
    {
        var insert = _insertSpan.Bind(transaction);
        insert.Set("$span", span.SpanId);
        insert.Set("$trace", span.TraceId);
        insert.Set("$parent", span.ParentSpanId);
        insert.Set("$task", span.TaskId);
        insert.Set("$seq", span.StepSeq);
        insert.Set("$name", span.Name);
        insert.Set("$start", SqlValues.Micros(span.StartTime));
        insert.Set("$end", SqlValues.Micros(span.EndTime));
        insert.Set("$status", SqlValues.Text(span.Status));
        insert.Set("$message", span.StatusMessage);
        insert.SetUtf8Text("$attributes", _attributes.Write(span.Attributes));
        insert.Set("$snapshot", span.SnapshotId);
        insert.Execute();
    }
}
