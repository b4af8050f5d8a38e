namespace Keel.Memory;

/// <summary>
/// How long a scope keeps its memories. Applying retention forgets memories (current or history) created longer
/// than <paramref name="MaxAge"/> ago in every scope the policy's scope matches.
/// </summary>
public sealed record MemoryRetention(MemoryScope Scope, TimeSpan MaxAge)
{
    /// <summary>Only these kinds expire; all when empty.</summary>
    public IReadOnlyList<MemoryKind> Kinds { get; init; } = [];
}
