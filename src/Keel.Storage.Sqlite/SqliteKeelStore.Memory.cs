using Keel.Memory;

namespace Keel.Storage.Sqlite;

// SCAFFOLD: the memory store helper replaces every body here (migration 0016).
public sealed partial class SqliteKeelStore
{
    public ValueTask<IReadOnlyList<MemoryWriteResult>> AddMemoriesAsync(IReadOnlyList<NewMemory> memories, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public ValueTask<IReadOnlyList<MemoryRecord>> GetMemoriesAsync(string customerId, IReadOnlyList<string> ids, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public ValueTask<IReadOnlyList<MemoryRecord>> GetMemoriesByKeyAsync(string customerId, IReadOnlyList<long> keys, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public ValueTask<IReadOnlyList<MemoryRecord>> ListMemoriesAsync(MemoryFilter filter, int limit = 100, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public ValueTask<long> CountMemoriesAsync(MemoryFilter filter, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public ValueTask<IReadOnlyList<MemoryRecord>> GetMemoryHistoryAsync(string customerId, string id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public ValueTask<IReadOnlyList<MemoryTextHit>> SearchMemoryTextAsync(MemoryFilter filter, string query, int limit, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public IAsyncEnumerable<MemoryVector> ReadMemoryVectorsAsync(MemoryFilter filter, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public ValueTask<IReadOnlyList<long>> ForgetMemoriesAsync(MemoryForgetRequest request, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public ValueTask SetMemoryRetentionAsync(MemoryRetention policy, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public ValueTask<IReadOnlyList<MemoryRetention>> ListMemoryRetentionAsync(string customerId, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public ValueTask<IReadOnlyList<long>> ApplyMemoryRetentionAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public ValueTask<IReadOnlyList<SessionMessageToIngest>> ReadSessionMessagesToIngestAsync(int limit, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public ValueTask AdvanceMemoryIngestionAsync(string sessionId, long seq, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
