namespace Keel.Memory;

/// <summary>A full-text match: the memory's key and its BM25 score (higher is better, unlike SQLite's raw rank).</summary>
public readonly record struct MemoryTextHit(long Key, double Score);
