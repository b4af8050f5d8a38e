namespace Keel.Memory.Retrieval;

/// <summary>
/// How hybrid search weighs its signals. SCAFFOLD: the retrieval helper defines the fields and documents the
/// formula in docs/memory.md.
/// </summary>
public sealed record MemoryScoring
{
    public static MemoryScoring Default { get; } = new();
}
