using System.Runtime.InteropServices;
using Keel.Tasks;
using Keel.Usage;
using Microsoft.Data.Sqlite;

namespace Keel.Storage.Sqlite.Journal;

/// <summary>
/// Keeps migration 19's cost rollup (<c>cost_rollup</c>, <c>cost_rollup_split_tasks</c>, and migration 25's
/// <c>cost_rollup_task_cells</c>) up to date from the writer, once per transaction. A trigger on usage_events did it per row in about ten statements and
/// added 50 µs to a one-usage gateway commit and 80-100 µs per usage row to an OTLP batch; here the usage rows a
/// transaction inserted wait in memory, and just before it commits each distinct cell is upserted once and each
/// task's last day per group is read once (not at all for a task the transaction created) and written only when it
/// moves. The result is the trigger's, row for row: a task is counted in the cell of the first usage row of its
/// latest day in each group, and the cell that counted it before gives the count back.
/// </summary>
/// <remarks>
/// Like the deferred step totals, what is pending is an append-only log, so a commit rolled back to its savepoint
/// takes exactly its own usage rows (and the tasks it created) along. Only rows whose insert took are added: a
/// duplicate idempotency key adds nothing. An outcome change still moves success counts by trigger (migration 19): it
/// is rare and never happens inside a journal transaction, so the outcome read at the flush is the one in force.
/// </remarks>
internal sealed class CostRollupWriter : IDisposable
{
    private const long MicrosPerDay = 86_400_000_000;

    private readonly PreparedStatement _taskOf;
    private readonly PreparedStatement _cellsOf;
    private readonly PreparedStatement _addToCell;
    private readonly PreparedStatement _setGroups;
    private readonly PreparedStatement _dropCell;
    private readonly PreparedStatement _markSplit;

    // Pending since the last flush, in insertion order (the order decides which cell of a day takes a task's count).
    private readonly List<PendingUsage> _usage = [];
    private readonly List<(string Id, string? Agent)> _created = [];

    // Scratch of one flush.
    private readonly Dictionary<string, TaskFacts> _tasks = new(StringComparer.Ordinal);
    private readonly Dictionary<LastKey, LastDay> _stored = [];
    private readonly Dictionary<LastKey, LastDay> _latest = [];
    private readonly Dictionary<(string TaskId, CellKey Cell), int> _groupBits = []; // a task's cells: stored bits, then the new ones
    private readonly HashSet<(string TaskId, CellKey Cell)> _movedGroups = [];
    private readonly Dictionary<CellKey, CellDelta> _cells = [];

    public CostRollupWriter(SqliteConnection connection)
    {
        _taskOf = new(connection, "SELECT agent, outcome IS 'success' FROM tasks WHERE id = $id");
        _cellsOf = new(connection, "SELECT customer_id, day, agent, kind, resource, group_bits FROM cost_rollup_task_cells WHERE task_id = $task");
        _addToCell = new(connection, """
            INSERT INTO cost_rollup (day, customer_id, agent, kind, resource, events, cost_nanousd, input_tokens, cached_input_tokens, output_tokens, quantity,
                                     customer_tasks, customer_successes, day_tasks, day_successes, agent_tasks, agent_successes, model_tasks, model_successes)
            VALUES ($day, $customer, $agent, $kind, $resource, $events, $cost, $in, $cached, $out, $quantity, $ct, $cs, $dt, $ds, $at, $as, $mt, $ms)
            ON CONFLICT DO UPDATE SET
                events = events + excluded.events, cost_nanousd = cost_nanousd + excluded.cost_nanousd, input_tokens = input_tokens + excluded.input_tokens,
                cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens, output_tokens = output_tokens + excluded.output_tokens,
                quantity = quantity + excluded.quantity,
                customer_tasks = customer_tasks + excluded.customer_tasks, customer_successes = customer_successes + excluded.customer_successes,
                day_tasks = day_tasks + excluded.day_tasks, day_successes = day_successes + excluded.day_successes,
                agent_tasks = agent_tasks + excluded.agent_tasks, agent_successes = agent_successes + excluded.agent_successes,
                model_tasks = model_tasks + excluded.model_tasks, model_successes = model_successes + excluded.model_successes
            """);
        _setGroups = new(connection, """
            INSERT INTO cost_rollup_task_cells (task_id, customer_id, day, agent, kind, resource, group_bits)
            VALUES ($task, $customer, $day, $agent, $kind, $resource, $group_bits)
            ON CONFLICT DO UPDATE SET group_bits = excluded.group_bits
            """);
        _dropCell = new(connection, """
            DELETE FROM cost_rollup_task_cells
            WHERE task_id = $task AND customer_id = $customer AND day = $day AND agent = $agent AND kind = $kind AND resource = $resource
            """);
        _markSplit = new(connection, "INSERT OR IGNORE INTO cost_rollup_split_tasks (task_id) VALUES ($task)");
    }

    /// <summary>A position to return to with <see cref="RollBackTo"/>.</summary>
    public CostRollupMark Mark => new(_usage.Count, _created.Count);

    public bool IsEmpty => _usage.Count == 0 && _created.Count == 0;

    /// <summary>The open transaction inserted this task: it has no rollup rows yet, so the flush need not look for them.</summary>
    public void TaskCreated(AgentTask task) => _created.Add((task.Id, task.Agent));

    /// <summary>The open transaction inserted this usage row (its insert took); <paramref name="costNano"/> is the cost it stored.</summary>
    public void Inserted(UsageEvent usage, long costNano) => _usage.Add(new PendingUsage(
        usage.TaskId, usage.CustomerId, Schema.SqlValues.Micros(usage.CreatedAt) / MicrosPerDay, usage.Agent, Schema.SqlValues.Text(usage.Kind), usage.Resource,
        costNano, usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens, (double)usage.Quantity));

    /// <summary>Everything added since <paramref name="mark"/> was rolled back (a mark past what is pending is ignored).</summary>
    public void RollBackTo(CostRollupMark mark)
    {
        if (mark.Usage < _usage.Count)
        {
            _usage.RemoveRange(mark.Usage, _usage.Count - mark.Usage);
        }

        if (mark.Created < _created.Count)
        {
            _created.RemoveRange(mark.Created, _created.Count - mark.Created);
        }
    }

    public void Clear()
    {
        _usage.Clear();
        _created.Clear();
        _tasks.Clear();
        _stored.Clear();
        _latest.Clear();
        _groupBits.Clear();
        _movedGroups.Clear();
        _cells.Clear();
    }

    /// <summary>Writes what the pending usage adds to the rollup, then forgets it. Call it just before the transaction commits.</summary>
    public void Flush(SqliteTransaction transaction)
    {
        try
        {
            if (_usage.Count != 0)
            {
                ReadTasks(transaction);
                Aggregate();
                MoveCounts(transaction);
                WriteCells(transaction);
            }
        }
        finally
        {
            Clear();
        }
    }

    public void Dispose()
    {
        _taskOf.Dispose();
        _cellsOf.Dispose();
        _addToCell.Dispose();
        _setGroups.Dispose();
        _dropCell.Dispose();
        _markSplit.Dispose();
    }

    private static string ModelKey(string kind, string resource) => kind == "model" ? resource : $"({kind})";

    /// <summary>Each task's agent, whether it succeeded, and its last days per group: one read per task, none for a new one.</summary>
    private void ReadTasks(SqliteTransaction transaction)
    {
        foreach (var (id, agent) in _created)
        {
            _tasks[id] = new TaskFacts { Agent = agent };
        }

        foreach (var usage in _usage)
        {
            if (usage.TaskId is not { } id || _tasks.ContainsKey(id))
            {
                continue;
            }

            var facts = _tasks[id] = new TaskFacts();
            var task = _taskOf.Bind(transaction);
            task.Set("$id", id);
            task.ForEachRow(facts, static (row, f) => (f.Agent, f.Success) = (row.Text(0), row.Int64(1)));

            var cells = _cellsOf.Bind(transaction);
            cells.Set("$task", id);
            cells.ForEachRow((Writer: this, Id: id, Facts: facts), static (row, s) =>
            {
                var cell = new CellKey(row.Int64(1), row.Text(0)!, row.Text(2)!, row.Text(3)!, row.Text(4)!);
                var groups = (int)row.Int64(5);
                s.Writer._groupBits[(s.Id, cell)] = groups;
                foreach (var grouping in Groupings)
                {
                    if ((groups & Bit(grouping)) != 0)
                    {
                        s.Writer._stored[KeyOf(s.Id, grouping, cell)] = new LastDay(cell.Day, cell);
                    }
                }

                if ((groups & Bit('c')) != 0)
                {
                    s.Facts.Customer(cell.CustomerId);
                }
            });
        }
    }

    /// <summary>Sums the rows per cell, and per task and group keeps the latest day and the cell of its first row.</summary>
    private void Aggregate()
    {
        foreach (var usage in _usage)
        {
            var facts = usage.TaskId is { } id ? _tasks[id] : null;
            var agent = usage.Agent ?? facts?.Agent ?? "(none)";
            var cell = new CellKey(usage.Day, usage.CustomerId, agent, usage.Kind, usage.Resource);
            ref var delta = ref CollectionsMarshal.GetValueRefOrAddDefault(_cells, cell, out _);
            delta.Events++;
            delta.CostNano += usage.CostNano;
            delta.InputTokens += usage.InputTokens;
            delta.CachedInputTokens += usage.CachedInputTokens;
            delta.OutputTokens += usage.OutputTokens;
            delta.Quantity += usage.Quantity;
            if (usage.TaskId is not { } taskId)
            {
                continue;
            }

            facts!.Customer(usage.CustomerId);
            foreach (var grouping in Groupings)
            {
                Latest(KeyOf(taskId, grouping, cell), usage.Day, cell);
            }
        }
    }

    private static ReadOnlySpan<char> Groupings => "cdam";

    /// <summary>A group's bit in cost_rollup_task_cells.group_bits.</summary>
    private static int Bit(char grouping) => grouping switch { 'c' => 1, 'd' => 2, 'a' => 4, _ => 8 };

    /// <summary>The group of <paramref name="grouping"/> that <paramref name="cell"/> belongs to: its key is the cell's own.</summary>
    private static LastKey KeyOf(string taskId, char grouping, CellKey cell) => grouping switch
    {
        'c' => new LastKey(taskId, grouping, cell.CustomerId, string.Empty, 0),
        'd' => new LastKey(taskId, grouping, cell.CustomerId, null, cell.Day),
        'a' => new LastKey(taskId, grouping, cell.CustomerId, cell.Agent, 0),
        _ => new LastKey(taskId, grouping, cell.CustomerId, ModelKey(cell.Kind, cell.Resource), 0),
    };

    private void Latest(LastKey key, long day, CellKey cell)
    {
        ref var latest = ref CollectionsMarshal.GetValueRefOrAddDefault(_latest, key, out var exists);
        if (!exists || day > latest.Day)
        {
            latest = new LastDay(day, cell);
        }
    }

    /// <summary>
    /// A task whose latest day in a group is now later than the stored one (or that is new to the group) is counted in
    /// its new cell and given back by the old one; the group's bit moves between the task's cells with it.
    /// </summary>
    private void MoveCounts(SqliteTransaction transaction)
    {
        foreach (var (key, latest) in _latest)
        {
            var success = _tasks[key.TaskId].Success;
            if (_stored.TryGetValue(key, out var stored))
            {
                if (stored.Day >= latest.Day)
                {
                    continue;
                }

                CollectionsMarshal.GetValueRefOrAddDefault(_cells, stored.Cell, out _).Count(key.Grouping, -1, -success);
                MoveGroup(key, stored.Cell, remove: true);
            }

            CollectionsMarshal.GetValueRefOrAddDefault(_cells, latest.Cell, out _).Count(key.Grouping, 1, success);
            MoveGroup(key, latest.Cell, remove: false);
        }

        foreach (var taskCell in _movedGroups)
        {
            var groups = _groupBits[taskCell];
            var write = groups == 0 ? _dropCell.Bind(transaction) : _setGroups.Bind(transaction);
            write.Set("$task", taskCell.TaskId);
            write.Set("$customer", taskCell.Cell.CustomerId);
            write.Set("$day", taskCell.Cell.Day);
            write.Set("$agent", taskCell.Cell.Agent);
            write.Set("$kind", taskCell.Cell.Kind);
            write.Set("$resource", taskCell.Cell.Resource);
            if (groups != 0)
            {
                write.Set("$group_bits", groups);
            }

            write.Execute();
        }

        foreach (var (id, facts) in _tasks)
        {
            if (facts.Split)
            {
                var split = _markSplit.Bind(transaction);
                split.Set("$task", id);
                split.Execute();
            }
        }
    }

    private void MoveGroup(LastKey key, CellKey cell, bool remove)
    {
        ref var groups = ref CollectionsMarshal.GetValueRefOrAddDefault(_groupBits, (key.TaskId, cell), out _);
        groups = remove ? groups & ~Bit(key.Grouping) : groups | Bit(key.Grouping);
        _movedGroups.Add((key.TaskId, cell));
    }

    private void WriteCells(SqliteTransaction transaction)
    {
        foreach (var (cell, delta) in _cells)
        {
            var add = _addToCell.Bind(transaction);
            add.Set("$day", cell.Day);
            add.Set("$customer", cell.CustomerId);
            add.Set("$agent", cell.Agent);
            add.Set("$kind", cell.Kind);
            add.Set("$resource", cell.Resource);
            add.Set("$events", delta.Events);
            add.Set("$cost", delta.CostNano);
            add.Set("$in", delta.InputTokens);
            add.Set("$cached", delta.CachedInputTokens);
            add.Set("$out", delta.OutputTokens);
            add.Set("$quantity", delta.Quantity);
            add.Set("$ct", delta.CustomerTasks);
            add.Set("$cs", delta.CustomerSuccesses);
            add.Set("$dt", delta.DayTasks);
            add.Set("$ds", delta.DaySuccesses);
            add.Set("$at", delta.AgentTasks);
            add.Set("$as", delta.AgentSuccesses);
            add.Set("$mt", delta.ModelTasks);
            add.Set("$ms", delta.ModelSuccesses);
            add.Execute();
        }
    }

    private readonly record struct PendingUsage(
        string? TaskId, string CustomerId, long Day, string? Agent, string Kind, string Resource,
        long CostNano, long InputTokens, long CachedInputTokens, long OutputTokens, double Quantity);

    /// <summary>A task's group ('c' customer, 'd' day, 'a' agent, 'm' model) under a customer.</summary>
    private readonly record struct LastKey(string TaskId, char Grouping, string CustomerId, string? TextKey, long DayKey);

    private readonly record struct CellKey(long Day, string CustomerId, string Agent, string Kind, string Resource);

    private readonly record struct LastDay(long Day, CellKey Cell);

    private struct CellDelta
    {
        public long Events;
        public long CostNano;
        public long InputTokens;
        public long CachedInputTokens;
        public long OutputTokens;
        public double Quantity;
        public long CustomerTasks;
        public long CustomerSuccesses;
        public long DayTasks;
        public long DaySuccesses;
        public long AgentTasks;
        public long AgentSuccesses;
        public long ModelTasks;
        public long ModelSuccesses;

        public void Count(char grouping, long tasks, long successes)
        {
            switch (grouping)
            {
                case 'c':
                    CustomerTasks += tasks;
                    CustomerSuccesses += successes;
                    break;
                case 'd':
                    DayTasks += tasks;
                    DaySuccesses += successes;
                    break;
                case 'a':
                    AgentTasks += tasks;
                    AgentSuccesses += successes;
                    break;
                default:
                    ModelTasks += tasks;
                    ModelSuccesses += successes;
                    break;
            }
        }
    }

    private sealed class TaskFacts
    {
        private string? _customer;

        public string? Agent { get; set; }

        /// <summary>1 when the task's outcome is a success, else 0 (a task created in this transaction has none yet).</summary>
        public long Success { get; set; }

        /// <summary>The task has usage under more than one customer (cost_rollup_split_tasks).</summary>
        public bool Split { get; private set; }

        public void Customer(string customerId)
        {
            if (_customer is null)
            {
                _customer = customerId;
            }
            else if (!string.Equals(_customer, customerId, StringComparison.Ordinal))
            {
                Split = true;
            }
        }
    }
}

/// <summary>Where a commit began in the cost rollup's pending log (see <see cref="CostRollupWriter.RollBackTo"/>).</summary>
internal readonly record struct CostRollupMark(int Usage, int Created);
