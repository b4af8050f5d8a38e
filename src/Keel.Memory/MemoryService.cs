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

    /// <summary>
    /// Embeds (in batches, shortest texts first) and stores memories in one transaction; identical ones in a scope are
    /// stored once. Adding many memories per call is much faster than one at a time.
    /// </summary>
    public async Task<IReadOnlyList<MemoryWriteResult>> AddAsync(IReadOnlyList<NewMemory> memories, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memories);
        if (memories.Count == 0)
        {
            return [];
        }

        // Texts are embedded shortest first: a batch costs as much as its longest text times its size (the model pads
        // the rest), so batches of similar lengths embed chat turns about twice as fast as batches in arrival order.
        var now = TimeProvider.GetUtcNow();
        var generated = new ReadOnlyMemory<float>[memories.Count];
        var toEmbed = Enumerable.Range(0, memories.Count)
            .Where(i => memories[i].Embedding is null)
            .Select(i => (Index: i, Text: EmbeddingText(memories[i], now)))
            .OrderBy(t => t.Text.Length)
            .ToList();
        foreach (var batch in toEmbed.Chunk(Math.Max(1, Options.EmbeddingBatchSize)))
        {
            var vectors = await Embeddings.GenerateAsync(batch.Select(t => t.Text), cancellationToken: cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < batch.Length; i++)
            {
                generated[batch[i].Index] = vectors[i].Vector;
            }
        }

        var embedded = new List<NewMemory>(memories.Count);
        var normalised = new float[]?[memories.Count];
        for (var i = 0; i < memories.Count; i++)
        {
            var vector = memories[i].Embedding ?? generated[i];
            normalised[i] = VectorSet.Normalised(vector.Span);
            embedded.Add(memories[i] with { Embedding = vector });
        }

        var results = await Store.AddMemoriesAsync(embedded, cancellationToken).ConfigureAwait(false);
        var added = new List<(MemoryRecord, float[]?)>();
        for (var i = 0; i < results.Count; i++)
        {
            if (!results[i].Deduplicated)
            {
                added.Add((results[i].Memory, normalised[i]));
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
