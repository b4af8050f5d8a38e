using System.Globalization;
using Keel.Memory.Embeddings;
using Keel.Memory.Retrieval;
using Keel.Storage;
using Microsoft.Extensions.AI;

namespace Keel.Memory;

/// <summary>
/// The memory API every interface (REST, CLI, MCP, SDK) calls: embeds what it adds, searches with hybrid
/// retrieval, forgets everywhere. It caches each searched scope's vectors in memory (see
/// <see cref="MemoryOptions.ScopeCacheLifetime"/>), so one instance per process should be shared.
/// </summary>
public sealed class MemoryService
{
    private readonly ScopeCache _scopes;
    private readonly HybridRetriever _retriever;

    public MemoryService(IKeelStore store, IEmbeddingGenerator<string, Embedding<float>> embeddings, MemoryOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(embeddings);
        Store = store;
        Embeddings = embeddings;
        Options = options ?? new MemoryOptions();
        TimeProvider = timeProvider ?? TimeProvider.System;
        _scopes = new ScopeCache(store, Options, TimeProvider);
        _retriever = new HybridRetriever(store, embeddings, _scopes, TimeProvider);
    }

    public IKeelStore Store { get; }

    public IEmbeddingGenerator<string, Embedding<float>> Embeddings { get; }

    public MemoryOptions Options { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>Embeds (in batches) and stores memories; identical ones in a scope are stored once.</summary>
    public async Task<IReadOnlyList<MemoryWriteResult>> AddAsync(IReadOnlyList<NewMemory> memories, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memories);
        if (memories.Count == 0)
        {
            return [];
        }

        var now = TimeProvider.GetUtcNow();
        var embedded = new List<NewMemory>(memories.Count);
        var vectors = new float[]?[memories.Count];
        foreach (var batch in memories.Chunk(Math.Max(1, Options.EmbeddingBatchSize)))
        {
            var toEmbed = batch.Where(m => m.Embedding is null).ToList();
            var generated = toEmbed.Count == 0
                ? []
                : await Embeddings.GenerateAsync(toEmbed.Select(m => EmbeddingText(m, now)), cancellationToken: cancellationToken).ConfigureAwait(false);
            var next = 0;
            foreach (var memory in batch)
            {
                var vector = memory.Embedding ?? generated[next++].Vector;
                vectors[embedded.Count] = VectorSet.Normalised(vector.Span);
                embedded.Add(memory with { Embedding = vector });
            }
        }

        var results = await Store.AddMemoriesAsync(embedded, cancellationToken).ConfigureAwait(false);
        var added = new List<(MemoryRecord, float[]?)>();
        for (var i = 0; i < results.Count; i++)
        {
            if (!results[i].Deduplicated)
            {
                added.Add((results[i].Memory, vectors[i]));
            }
        }

        foreach (var customer in results.Where(r => r.Superseded.Count > 0).Select(r => r.Memory.Scope.CustomerId).Distinct())
        {
            _scopes.Invalidate(customer);
        }

        _scopes.Added(added);
        return results;
    }

    public async Task<MemoryWriteResult> AddAsync(NewMemory memory, CancellationToken cancellationToken = default) =>
        (await AddAsync([memory], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>Hybrid search: vector similarity, BM25 and recency/importance fused as <see cref="MemoryScoring"/> says.</summary>
    public Task<MemorySearchResult> SearchAsync(MemoryQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Neighbours);
        return _retriever.SearchAsync(query, cancellationToken);
    }

    /// <summary>Forgets memories and drops them from every index.</summary>
    /// <returns>How many memories were removed.</returns>
    public async Task<int> ForgetAsync(MemoryForgetRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var keys = await Store.ForgetMemoriesAsync(request, cancellationToken).ConfigureAwait(false);
        _scopes.Removed(request.Scope.CustomerId, keys);
        return keys.Count;
    }

    /// <summary>What is embedded for a memory: its text, for an episodic one prefixed with its date (see <see cref="MemoryOptions.EmbedEpisodicDate"/>).</summary>
    internal string EmbeddingText(NewMemory memory, DateTimeOffset now) =>
        Options.EmbedEpisodicDate && memory.Kind == MemoryKind.Episodic
            ? $"({(memory.OccurredAt ?? now).ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}) {memory.Text}"
            : memory.Text;
}
