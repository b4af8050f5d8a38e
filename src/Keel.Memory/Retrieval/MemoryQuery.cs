namespace Keel.Memory.Retrieval;

/// <summary>A search: what to look for, where, how many, and how to weigh the signals.</summary>
/// <param name="Filter">Which memories are candidates: scope, kinds, time range, source.</param>
/// <param name="Text">The query, in plain words.</param>
/// <param name="Limit">How many hits to return.</param>
public sealed record MemoryQuery(MemoryFilter Filter, string Text, int Limit = 10)
{
    /// <summary>The weights of the signals; <see cref="MemoryScoring.Default"/> when null.</summary>
    public MemoryScoring? Scoring { get; init; }

    /// <summary>Also return the memories this many places before and after each hit in its session (adjacent turns).</summary>
    public int Neighbours { get; init; }
}
