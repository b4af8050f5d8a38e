namespace Keel.Memory;

/// <summary>
/// What to forget: memories by id, everything from a source, or everything in a scope (an erasure request).
/// Forgetting removes the text, the embedding and every index entry, history included; it cannot be undone.
/// </summary>
/// <param name="Scope">Always required: it walls the request to one customer, and with nothing else given it is what is erased.</param>
public sealed record MemoryForgetRequest(MemoryScope Scope)
{
    public IReadOnlyList<string> Ids { get; init; } = [];

    public MemorySource? Source { get; init; }
}
