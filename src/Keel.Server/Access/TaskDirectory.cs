using System.Collections.Concurrent;
using Keel.Server.Recording;
using Keel.Storage;

namespace Keel.Server.Access;

/// <summary>
/// Which customer owns each task a client names, and the next journal sequence number of each. Owners are
/// checked once per task and remembered, so a key can never append steps to another customer's task.
/// </summary>
public sealed class TaskDirectory(IKeelStore store, StepWriter writer)
{
    private const int MaxRemembered = 100_000;
    private readonly ConcurrentDictionary<string, TaskEntry> _tasks = new(StringComparer.Ordinal);

    /// <summary>Claims the next step number of <paramref name="taskId"/> for <paramref name="customerId"/>.</summary>
    /// <returns>The sequence number, or null when the task belongs to another customer.</returns>
    public async ValueTask<int?> NextSeqAsync(string taskId, string customerId, CancellationToken cancellationToken)
    {
        if (!_tasks.TryGetValue(taskId, out var entry))
        {
            // A task this node opened may still be queued (the gateway hands out an implicit call's id before its
            // step is stored): wait for the queue, or the next step would take a number already taken.
            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            var existing = await store.GetTaskSummaryAsync(taskId, cancellationToken).ConfigureAwait(false);
            var next = existing is null ? 1 : await store.NextStepSeqAsync(taskId, cancellationToken).ConfigureAwait(false);
            if (_tasks.Count > MaxRemembered)
            {
                _tasks.Clear(); // a forgotten task is looked up again (after a flush), never misnumbered
            }

            entry = _tasks.GetOrAdd(taskId, new TaskEntry(existing?.Task.CustomerId ?? customerId, next - 1));
        }

        return entry.CustomerId == customerId ? entry.Claim() : null;
    }

    private sealed class TaskEntry(string customerId, int lastSeq)
    {
        private int _lastSeq = lastSeq;

        public string CustomerId { get; } = customerId;

        public int Claim() => Interlocked.Increment(ref _lastSeq);
    }
}
