using Keel.Storage;

namespace Keel.Memory.Ingestion;

/// <summary>
/// Turns every session turn into episodic memory: reads the messages past each session's ingestion cursor, adds
/// the user and assistant turns through the memory service in batches (scoped to the customer, session and the
/// task's agent, sourced to the message, at the message's time), then moves the cursors past them.
/// </summary>
/// <remarks>
/// Idempotent: the cursor moves only after the batch is stored, and a batch stored twice (a crash between the
/// two, or two ingestors at once) is deduplicated by the store, since a turn always maps to the same text in the
/// same scope (<see cref="SessionTurnMemory"/>). Runs of one ingestor never overlap.
/// </remarks>
public sealed class SessionMemoryIngestor : IDisposable
{
    private const int MaxCachedAgents = 4096;
    private readonly IKeelStore _store;
    private readonly Func<IReadOnlyList<NewMemory>, CancellationToken, Task<IReadOnlyList<MemoryWriteResult>>> _add;
    private readonly SemaphoreSlim _running = new(1, 1);
    private readonly Dictionary<string, string?> _agents = new(StringComparer.Ordinal);

    public SessionMemoryIngestor(MemoryService memory, MemoryIngestionOptions? options = null)
        : this((memory ?? throw new ArgumentNullException(nameof(memory))).Store, memory.AddAsync, options)
    {
    }

    /// <summary>Over any writer: what tests use before (or instead of) the memory service.</summary>
    internal SessionMemoryIngestor(IKeelStore store, Func<IReadOnlyList<NewMemory>, CancellationToken, Task<IReadOnlyList<MemoryWriteResult>>> add, MemoryIngestionOptions? options = null)
    {
        _store = store;
        _add = add;
        Options = options ?? new MemoryIngestionOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.BatchSize, 1);
    }

    public MemoryIngestionOptions Options { get; }

    /// <summary>Ingests batches until no session has messages left to ingest.</summary>
    public async Task<MemoryIngestionResult> IngestAsync(CancellationToken cancellationToken = default)
    {
        await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var total = MemoryIngestionResult.None;
            while (true)
            {
                var batch = await IngestBatchCoreAsync(cancellationToken).ConfigureAwait(false);
                total = total.Plus(batch);
                if (batch.Messages < Options.BatchSize)
                {
                    return total;
                }
            }
        }
        finally
        {
            _running.Release();
        }
    }

    /// <summary>Ingests one batch (at most <see cref="MemoryIngestionOptions.BatchSize"/> messages).</summary>
    public async Task<MemoryIngestionResult> IngestBatchAsync(CancellationToken cancellationToken = default)
    {
        await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await IngestBatchCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _running.Release();
        }
    }

    private async Task<MemoryIngestionResult> IngestBatchCoreAsync(CancellationToken cancellationToken)
    {
        var messages = await _store.ReadSessionMessagesToIngestAsync(Options.BatchSize, cancellationToken).ConfigureAwait(false);
        if (messages.Count == 0)
        {
            return MemoryIngestionResult.None;
        }

        var memories = new List<NewMemory>(messages.Count);
        var cursors = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (customerId, message) in messages)
        {
            cursors[message.SessionId] = Math.Max(cursors.GetValueOrDefault(message.SessionId), message.Seq);
            if (SessionTurnMemory.TextOf(message) is null)
            {
                continue;
            }

            var agent = message.TaskId is { } taskId ? await AgentOfAsync(taskId, cancellationToken).ConfigureAwait(false) : null;
            memories.Add(SessionTurnMemory.From(customerId, message, agent, Options.Importance)!);
        }

        var written = memories.Count > 0 ? await _add(memories, cancellationToken).ConfigureAwait(false) : [];
        foreach (var (sessionId, seq) in cursors)
        {
            await _store.AdvanceMemoryIngestionAsync(sessionId, seq, cancellationToken).ConfigureAwait(false);
        }

        var deduplicated = written.Count(w => w.Deduplicated);
        return new MemoryIngestionResult(messages.Count, written.Count - deduplicated, deduplicated);
    }

    public void Dispose() => _running.Dispose();

    /// <summary>The agent of the task that added a message: part of the memory's scope.</summary>
    private async ValueTask<string?> AgentOfAsync(string taskId, CancellationToken cancellationToken)
    {
        if (_agents.TryGetValue(taskId, out var agent))
        {
            return agent;
        }

        agent = (await _store.FindTaskAsync(taskId, cancellationToken).ConfigureAwait(false)) is { } task && task.Id == taskId ? task.Agent : null;
        if (_agents.Count >= MaxCachedAgents)
        {
            _agents.Clear();
        }

        _agents[taskId] = agent;
        return agent;
    }
}
