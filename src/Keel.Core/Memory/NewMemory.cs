namespace Keel.Memory;

/// <summary>A memory to store. The store gives it its id, key and created time.</summary>
/// <param name="Importance">0 to 1; weighs the memory in retrieval. 0.5 when nothing better is known.</param>
/// <param name="OccurredAt">When what it remembers happened (an episodic memory's time); the created time when null.</param>
public sealed record NewMemory(
    MemoryScope Scope,
    MemoryKind Kind,
    string Text,
    MemorySource? Source = null,
    double Importance = 0.5,
    DateTimeOffset? OccurredAt = null)
{
    /// <summary>
    /// Names the fact a semantic memory states (<c>user.home_city</c>). Adding a memory with the same key in the
    /// same exact scope supersedes the current one: it stays as history, no longer returned as current.
    /// </summary>
    public string? FactKey { get; init; }

    /// <summary>Ids of memories this one replaces, whatever their key (same customer only).</summary>
    public IReadOnlyList<string> Supersedes { get; init; } = [];

    /// <summary>When the memory starts to hold; the created time when null.</summary>
    public DateTimeOffset? ValidFrom { get; init; }

    /// <summary>Its embedding, filled by the memory service before it reaches the store; null stores text only.</summary>
    public ReadOnlyMemory<float>? Embedding { get; init; }
}
