using System.Runtime.InteropServices;

namespace Keel.Storage.Sqlite.Journal;

/// <summary>What steps add to their task's row: counts, tokens and nano-USD cost.</summary>
internal readonly record struct StepTotals(long Steps, long ModelCalls, long Retries, long Fallbacks, long InputTokens, long OutputTokens, long CostNano)
{
    public bool IsZero => this == default;

    public StepTotals Plus(StepTotals other) => new(
        Steps + other.Steps, ModelCalls + other.ModelCalls, Retries + other.Retries, Fallbacks + other.Fallbacks,
        InputTokens + other.InputTokens, OutputTokens + other.OutputTokens, CostNano + other.CostNano);

    public StepTotals Negated() => new(-Steps, -ModelCalls, -Retries, -Fallbacks, -InputTokens, -OutputTokens, -CostNano);
}

/// <summary>
/// Step totals written in a transaction but not yet added to their tasks' rows. A batch of commits updates each
/// task's row once, just before it commits, instead of once per step: an OTLP trace maps to five steps of one task,
/// and a task row is the widest row the journal rewrites. Kept as an append-only log beside the running sums, so
/// that a commit left out of the batch (its savepoint rolled back) takes exactly its own deltas with it.
/// </summary>
internal sealed class PendingTaskTotals
{
    private readonly Dictionary<string, StepTotals> _byTask = new(StringComparer.Ordinal);
    private readonly List<(string TaskId, StepTotals Delta)> _log = [];

    /// <summary>A position to return to with <see cref="RollBackTo"/>.</summary>
    public int Mark => _log.Count;

    public bool IsEmpty => _log.Count == 0;

    /// <summary>Tasks whose rows still have totals to receive, with what they receive.</summary>
    public IEnumerable<KeyValuePair<string, StepTotals>> Due => _byTask.Where(t => !t.Value.IsZero);

    public void Add(string taskId, StepTotals delta)
    {
        _log.Add((taskId, delta));
        ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(_byTask, taskId, out _);
        sum = sum.Plus(delta);
    }

    /// <summary>
    /// Takes what is pending for a task whose row the caller is about to write anyway (its commit's task update), so
    /// the totals ride along in that write. Recorded as a negative delta, so a rollback past it gives them back.
    /// </summary>
    public StepTotals Take(string taskId)
    {
        if (!_byTask.TryGetValue(taskId, out var pending) || pending.IsZero)
        {
            return default;
        }

        Add(taskId, pending.Negated());
        return pending;
    }

    /// <summary>Everything added since <paramref name="mark"/> was rolled back.</summary>
    public void RollBackTo(int mark)
    {
        for (var i = _log.Count - 1; i >= mark; i--)
        {
            var (taskId, delta) = _log[i];
            ref var sum = ref CollectionsMarshal.GetValueRefOrNullRef(_byTask, taskId);
            sum = sum.Plus(delta.Negated());
        }

        _log.RemoveRange(mark, _log.Count - mark);
    }

    public void Clear()
    {
        _byTask.Clear();
        _log.Clear();
    }
}
