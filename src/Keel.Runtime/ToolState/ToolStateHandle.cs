using Keel.Tasks;

namespace Keel.ToolState;

/// <summary>
/// One tool's state in one scope, as a task sees it (from <see cref="TaskContext.ToolState"/>). Every read and
/// write is a journal step: a resumed task gets back exactly what it got the first time, and a write is committed
/// in the same transaction as its step, so a crash can neither lose a write the journal holds nor repeat one.
/// </summary>
public sealed class ToolStateHandle
{
    private readonly TaskContext _context;

    internal ToolStateHandle(TaskContext context, ToolStateScope scope, string scopeId, string tool)
    {
        _context = context;
        Scope = scope;
        ScopeId = scopeId;
        Tool = tool;
    }

    public ToolStateScope Scope { get; }

    /// <summary>The task's customer, session or own id, by <see cref="Scope"/>.</summary>
    public string ScopeId { get; }

    public string Tool { get; }

    /// <summary>The full key of one of this tool's values, for the store's own reads (history, listing).</summary>
    public ToolStateKey KeyOf(string key) => new(_context.Task.CustomerId, Scope, ScopeId, Tool, key);

    /// <summary>The value's current version (null when it was never written), journaled: a replay returns what this read saw.</summary>
    public Task<ToolStateEntry?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        _context.GetToolStateAsync(KeyOf(key), cancellationToken);

    /// <summary>
    /// Writes <paramref name="value"/> if the value is still at <paramref name="expectedVersion"/> (0: it must not
    /// exist yet). A conflict is a result, not an exception: it carries the version that won, to retry from. Either
    /// outcome is journaled, and a replay returns it.
    /// </summary>
    /// <param name="value">The new value as JSON.</param>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not JSON.</exception>
    public Task<CompareAndSetResult> CompareAndSetAsync(string key, long expectedVersion, string value, CancellationToken cancellationToken = default) =>
        _context.CompareAndSetToolStateAsync(KeyOf(key), expectedVersion, value, cancellationToken);

    /// <summary>
    /// Applies <paramref name="update"/> to the current value and writes the result, retrying on a conflict until it
    /// applies to the latest version: a read-modify-write that never loses another task's update. One journal step,
    /// holding the version written; <paramref name="update"/> may run more than once, so it must only compute.
    /// </summary>
    /// <param name="update">Given the current entry (null when the value does not exist), returns the new value as JSON.</param>
    public Task<ToolStateEntry> UpdateAsync(string key, Func<ToolStateEntry?, string> update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        return _context.UpdateToolStateAsync(KeyOf(key), "update", update, cancellationToken);
    }

    /// <summary>Writes <paramref name="value"/> over whatever version is current (last writer wins), as one journal step.</summary>
    /// <param name="value">The new value as JSON.</param>
    /// <exception cref="ArgumentException"><paramref name="value"/> is not JSON.</exception>
    public Task<ToolStateEntry> SetAsync(string key, string value, CancellationToken cancellationToken = default)
    {
        ToolStateJournal.EnsureJson(value);
        return _context.UpdateToolStateAsync(KeyOf(key), "set", _ => value, cancellationToken);
    }
}
