using Keel.Memory.Retrieval;
using Keel.Storage;
using Microsoft.Extensions.AI;

namespace Keel.Memory;

/// <summary>
/// The memory API every interface (REST, CLI, MCP, SDK) calls: embeds what it adds, searches with hybrid
/// retrieval, forgets everywhere. SCAFFOLD: signatures fixed, bodies filled by the retrieval helper.
/// </summary>
public sealed class MemoryService
{
    public MemoryService(IKeelStore store, IEmbeddingGenerator<string, Embedding<float>> embeddings, MemoryOptions? options = null, TimeProvider? timeProvider = null)
    {
        Store = store;
        Embeddings = embeddings;
        Options = options ?? new MemoryOptions();
        TimeProvider = timeProvider ?? TimeProvider.System;
    }

    public IKeelStore Store { get; }

    public IEmbeddingGenerator<string, Embedding<float>> Embeddings { get; }

    public MemoryOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>Embeds (in batches) and stores memories; identical ones in a scope are stored once.</summary>
    public Task<IReadOnlyList<MemoryWriteResult>> AddAsync(IReadOnlyList<NewMemory> memories, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public async Task<MemoryWriteResult> AddAsync(NewMemory memory, CancellationToken cancellationToken = default) =>
        (await AddAsync([memory], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Hybrid search: vector similarity, BM25 and recency/importance fused as <see cref="MemoryScoring"/> says.</summary>
    public Task<MemorySearchResult> SearchAsync(MemoryQuery query, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Forgets memories and drops them from every index.</summary>
    /// <returns>How many memories were removed.</returns>
    public Task<int> ForgetAsync(MemoryForgetRequest request, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
