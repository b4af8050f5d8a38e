namespace Keel.Memory.Retrieval;

/// <summary>One search result: the memory, its fused score and the signals it came from.</summary>
/// <param name="IsNeighbour">True when it was added as an adjacent turn of a hit rather than found itself.</param>
public sealed record MemoryHit(MemoryRecord Memory, double Score, MemoryScoreParts Parts, bool IsNeighbour = false);

/// <summary>The signals behind a hit's score, for explaining a ranking (null when the signal did not find it).</summary>
public sealed record MemoryScoreParts(double? Vector, double? Text, double Recency, double Importance);
