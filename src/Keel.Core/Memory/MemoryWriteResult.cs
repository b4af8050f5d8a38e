namespace Keel.Memory;

/// <summary>What adding one memory did.</summary>
/// <param name="Memory">The stored memory: the new one, or the identical one already in the scope.</param>
/// <param name="Deduplicated">True when an identical current memory was already in the scope and nothing was written.</param>
/// <param name="Superseded">Ids of the memories it replaced.</param>
public sealed record MemoryWriteResult(MemoryRecord Memory, bool Deduplicated, IReadOnlyList<string> Superseded);
