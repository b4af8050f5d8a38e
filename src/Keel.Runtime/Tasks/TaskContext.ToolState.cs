using Keel.Journal;
using Keel.ToolState;

namespace Keel.Tasks;

public sealed partial class TaskContext
{
    /// <summary>
    /// A tool's versioned state in one of this task's scopes: its customer's (shared by all their tasks), its
    /// session's, or its own. Reads and writes through the handle are journal steps.
    /// </summary>
    /// <exception cref="InvalidOperationException"><see cref="ToolStateScope.Session"/> for a task that has no session.</exception>
    public ToolStateHandle ToolState(ToolStateScope scope, string tool)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(tool);
        var scopeId = scope switch
        {
            ToolStateScope.Customer => Task.CustomerId,
            ToolStateScope.Session => Task.SessionId
                ?? throw new InvalidOperationException($"Task {Task.Id} has no session, so it has no session-scoped tool state. Run it in a session, or use another scope."),
            ToolStateScope.Task => Task.Id,
            _ => throw new ArgumentOutOfRangeException(nameof(scope), scope, "Unknown tool state scope."),
        };
        return new ToolStateHandle(this, scope, scopeId, tool);
    }

    /// <summary>Reads a value as a journal step: a replay returns what the first run read, whatever the value is now.</summary>
    internal async Task<ToolStateEntry?> GetToolStateAsync(ToolStateKey key, CancellationToken cancellationToken)
    {
        var name = ToolStateJournal.StepName("get", key);
        var step = NextStep(StepKind.State, name);
        if (step.Recorded is { } recorded)
        {
            return recorded.Status == StepStatus.Succeeded ? ToolStateJournal.ReadEntry(key, recorded.Result) : throw new StepFailedException(Task.Id, recorded);
        }

        var start = _runtime.Time.GetUtcNow();
        var entry = await _runtime.Store.GetToolStateAsync(key, cancellationToken).ConfigureAwait(false);
        await CommitAsync(PlainStep(step.Seq, StepKind.State, name, start, ToolStateJournal.WriteEntry(entry), null)).ConfigureAwait(false);
        return entry;
    }

    /// <summary>
    /// A compare-and-set as a journal step. The write rides on the step's commit; when the store refuses it, the
    /// step journals the conflict with the version that won instead, so a replay returns the same outcome.
    /// </summary>
    internal async Task<CompareAndSetResult> CompareAndSetToolStateAsync(ToolStateKey key, long expectedVersion, string value, CancellationToken cancellationToken)
    {
        ToolStateJournal.EnsureJson(value);
        var write = new ToolStateWrite(key, expectedVersion, value);
        var name = ToolStateJournal.StepName("cas", key);
        var step = NextStep(StepKind.State, name);
        if (step.Recorded is { } recorded)
        {
            return recorded.Status == StepStatus.Succeeded ? ToolStateJournal.ReadResult(key, recorded.Result) : throw new StepFailedException(Task.Id, recorded);
        }

        var start = _runtime.Time.GetUtcNow();
        try
        {
            var written = await CommitStateWriteAsync(step.Seq, name, start, write, entry => ToolStateJournal.WriteResult(new CompareAndSetResult(true, entry))).ConfigureAwait(false);
            return new CompareAndSetResult(true, written);
        }
        catch (ToolStateConflictException)
        {
            var current = await _runtime.Store.GetToolStateAsync(key, cancellationToken).ConfigureAwait(false);
            var conflict = new CompareAndSetResult(false, current);
            await CommitAsync(PlainStep(step.Seq, StepKind.State, name, start, ToolStateJournal.WriteResult(conflict), null)).ConfigureAwait(false);
            return conflict;
        }
    }

    /// <summary>
    /// A read-modify-write as one journal step: reads the current version (unjournaled), writes what
    /// <paramref name="update"/> makes of it, and starts again on a conflict. Only the version finally written is journaled.
    /// </summary>
    internal async Task<ToolStateEntry> UpdateToolStateAsync(ToolStateKey key, string verb, Func<ToolStateEntry?, string> update, CancellationToken cancellationToken)
    {
        var name = ToolStateJournal.StepName(verb, key);
        var step = NextStep(StepKind.State, name);
        if (step.Recorded is { } recorded)
        {
            return recorded.Status == StepStatus.Succeeded && ToolStateJournal.ReadEntry(key, recorded.Result) is { } entry
                ? entry
                : throw new StepFailedException(Task.Id, recorded);
        }

        var start = _runtime.Time.GetUtcNow();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = await _runtime.Store.GetToolStateAsync(key, cancellationToken).ConfigureAwait(false);
            string value;
            try
            {
                value = update(current);
                ToolStateJournal.EnsureJson(value);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && ex is not TaskSuspendedException)
            {
                await CommitAsync(PlainStep(step.Seq, StepKind.State, name, start, result: null, ex)).ConfigureAwait(false);
                throw;
            }

            try
            {
                return await CommitStateWriteAsync(step.Seq, name, start, new ToolStateWrite(key, current?.Version ?? 0, value), ToolStateJournal.WriteEntry).ConfigureAwait(false);
            }
            catch (ToolStateConflictException)
            {
                // Another task wrote first; read its version and apply the update to that.
            }
        }
    }

    /// <summary>Commits the step with the write riding on it; returns the version written.</summary>
    /// <exception cref="ToolStateConflictException">The version moved on; nothing was committed.</exception>
    private async Task<ToolStateEntry> CommitStateWriteAsync(int seq, string name, DateTimeOffset start, ToolStateWrite write, Func<ToolStateEntry, string> result)
    {
        var commit = PlainStep(seq, StepKind.State, name, start, result: null, error: null);
        var step = commit.Step!;
        var written = new ToolStateEntry(write.Key, write.Value, write.ExpectedVersion + 1, ToolStateJournal.StoredTime(step.EndedAt), Task.Id, seq);
        await CommitAsync(commit with { Step = step with { Result = result(written) }, StateWrite = write }).ConfigureAwait(false);
        return written;
    }
}
