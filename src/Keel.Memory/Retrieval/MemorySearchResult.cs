namespace Keel.Memory.Retrieval;

/// <summary>The hits of a search, best first, and how it was answered.</summary>
/// <param name="Approximate">True when the vector signal came from the approximate index rather than an exact scan.</param>
public sealed record MemorySearchResult(IReadOnlyList<MemoryHit> Hits, bool Approximate, TimeSpan Elapsed);
