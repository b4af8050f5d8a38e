using Keel.Memory;

namespace Keel.Storage;

/// <summary>
/// Agent memory: text, embeddings and a full-text index in the same database as the tasks they came from. Every
/// call is walled by a <see cref="MemoryScope"/>'s customer. Ranking across signals is the memory service's job;
/// the store answers the primitive reads it fuses.
/// </summary>
public partial interface IKeelStore
{
    /// <summary>
    /// Adds memories in one transaction. A memory whose normalized text equals a current one in the same exact
    /// scope is not written again (<see cref="MemoryWriteResult.Deduplicated"/>). A memory with a
    /// <see cref="NewMemory.FactKey"/> supersedes the current one with that key in its exact scope, and any named in
    /// <see cref="NewMemory.Supersedes"/>: they get <c>valid_to</c> = the new one's valid-from and
    /// <c>superseded_by</c>.
    /// </summary>
    /// <exception cref="StoreException">A superseded id is unknown or another customer's; nothing was written.</exception>
    ValueTask<IReadOnlyList<MemoryWriteResult>> AddMemoriesAsync(IReadOnlyList<NewMemory> memories, CancellationToken cancellationToken = default);

    /// <summary>Memories by id, in the order asked; ids unknown or of another customer are left out.</summary>
    ValueTask<IReadOnlyList<MemoryRecord>> GetMemoriesAsync(string customerId, IReadOnlyList<string> ids, CancellationToken cancellationToken = default);

    /// <summary>Memories by key (see <see cref="MemoryRecord.Key"/>), in the order asked; keys of another customer are left out.</summary>
    ValueTask<IReadOnlyList<MemoryRecord>> GetMemoriesByKeyAsync(string customerId, IReadOnlyList<long> keys, CancellationToken cancellationToken = default);

    /// <summary>Memories matching the filter, newest (by occurred time) first.</summary>
    ValueTask<IReadOnlyList<MemoryRecord>> ListMemoriesAsync(MemoryFilter filter, int limit = 100, CancellationToken cancellationToken = default);

    ValueTask<long> CountMemoriesAsync(MemoryFilter filter, CancellationToken cancellationToken = default);

    /// <summary>
    /// A memory and the ones it superseded, and the ones they superseded, newest first: how a fact changed.
    /// Empty when the id is unknown or another customer's.
    /// </summary>
    ValueTask<IReadOnlyList<MemoryRecord>> GetMemoryHistoryAsync(string customerId, string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// BM25 full-text search of the memories matching the filter, best first. The query is plain words: the
    /// store quotes them, so user text never breaks the full-text syntax.
    /// </summary>
    ValueTask<IReadOnlyList<MemoryTextHit>> SearchMemoryTextAsync(MemoryFilter filter, string query, int limit, CancellationToken cancellationToken = default);

    /// <summary>The embeddings of the memories matching the filter (those that have one): what exact search scans and an approximate index is built from.</summary>
    IAsyncEnumerable<MemoryVector> ReadMemoryVectorsAsync(MemoryFilter filter, CancellationToken cancellationToken = default);

    /// <summary>Forgets memories: text, embedding and full-text entries, history included.</summary>
    /// <returns>The keys of the memories removed, so caches and approximate indexes can drop them too.</returns>
    ValueTask<IReadOnlyList<long>> ForgetMemoriesAsync(MemoryForgetRequest request, CancellationToken cancellationToken = default);

    /// <summary>Sets (or replaces) the retention policy of a scope.</summary>
    ValueTask SetMemoryRetentionAsync(MemoryRetention policy, CancellationToken cancellationToken = default);

    /// <summary>The retention policies of a customer.</summary>
    ValueTask<IReadOnlyList<MemoryRetention>> ListMemoryRetentionAsync(string customerId, CancellationToken cancellationToken = default);

    /// <summary>Forgets every memory older than its scope's retention allows at <paramref name="now"/>.</summary>
    /// <returns>The keys removed.</returns>
    ValueTask<IReadOnlyList<long>> ApplyMemoryRetentionAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies only <paramref name="customerId"/>'s policies at <paramref name="now"/>: what a customer may ask for
    /// without touching (or timing) anyone else's memories.
    /// </summary>
    /// <returns>The keys removed.</returns>
    ValueTask<IReadOnlyList<long>> ApplyMemoryRetentionAsync(string customerId, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Session messages not yet ingested as memory, oldest first, across all sessions (seq greater than the
    /// session's ingestion cursor): what automatic ingestion reads.
    /// </summary>
    ValueTask<IReadOnlyList<SessionMessageToIngest>> ReadSessionMessagesToIngestAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>Moves a session's ingestion cursor past <paramref name="seq"/> (never backwards).</summary>
    ValueTask AdvanceMemoryIngestionAsync(string sessionId, long seq, CancellationToken cancellationToken = default);
}
