namespace Keel.Memory;

/// <summary>A stored embedding and the key of its memory.</summary>
public readonly record struct MemoryVector(long Key, ReadOnlyMemory<float> Vector);
