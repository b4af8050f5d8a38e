using Keel.ToolState;

namespace Keel.Storage;

/// <summary>
/// Versioned tool state: small JSON values per customer, session or task and tool, written by compare-and-set so
/// concurrent tasks never lose an update, with every version kept. Tasks write through
/// <see cref="Journal.StepCommit.StateWrite"/>, in the same transaction as the step.
/// </summary>
public partial interface IKeelStore
{
    /// <summary>The current version of a value; null when it was never written.</summary>
    ValueTask<ToolStateEntry?> GetToolStateAsync(ToolStateKey key, CancellationToken cancellationToken = default);

    /// <summary>Every version of a value, newest first, up to <paramref name="limit"/>.</summary>
    ValueTask<IReadOnlyList<ToolStateEntry>> GetToolStateHistoryAsync(ToolStateKey key, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>The current values of one customer's scope, by tool then key; all tools unless one is named.</summary>
    ValueTask<IReadOnlyList<ToolStateEntry>> ListToolStateAsync(string customerId, ToolStateScope scope, string scopeId, string? tool = null, int limit = 1000,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies a compare-and-set outside any task (the CLI, the API), in a transaction of its own; inside a task,
    /// commit it with the step instead. Returns the version written.
    /// </summary>
    /// <exception cref="ToolStateConflictException">The stored version is not <see cref="ToolStateWrite.ExpectedVersion"/>; nothing was written.</exception>
    ValueTask<ToolStateEntry> CompareAndSetToolStateAsync(ToolStateWrite write, CancellationToken cancellationToken = default);
}
