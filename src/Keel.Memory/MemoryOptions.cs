namespace Keel.Memory;

/// <summary>Tuning of the memory service: how it embeds and how it holds vectors for search.</summary>
public sealed class MemoryOptions
{
    /// <summary>Texts per call to the embedding generator when adding memories.</summary>
    public int EmbeddingBatchSize { get; set; } = 32;

    /// <summary>
    /// Scopes with at least this many memories are searched through an approximate (HNSW, USearch) index rather
    /// than an exact scan. An exact scan of 384-d vectors costs ~0.1 ms per thousand memories on one core, so below
    /// this it is both exact and fast enough.
    /// </summary>
    public int ApproximateThreshold { get; set; } = 20_000;

    /// <summary>
    /// How long a scope's vectors and layout stay cached before a search starts a background refresh (new memories
    /// added in place, gone ones dropped; searches keep answering from the cached state meanwhile). Writes through
    /// this service update the cache at once; this bounds how stale it gets when another process writes the store.
    /// </summary>
    public TimeSpan ScopeCacheLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How many scopes are cached at most; the least recently searched is dropped first.</summary>
    public int MaxCachedScopes { get; set; } = 256;

    /// <summary>
    /// Embed an episodic memory as <c>(8 May 2023) text</c>: its date then becomes part of what a question about
    /// when something happened can match. The stored text is unchanged.
    /// </summary>
    public bool EmbedEpisodicDate { get; set; } = true;
}
