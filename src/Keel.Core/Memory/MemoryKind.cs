namespace Keel.Memory;

/// <summary>What a memory is: it decides how it is ingested, superseded and weighed in retrieval.</summary>
public enum MemoryKind
{
    /// <summary>Something that happened, at a time, from a source: a conversation turn, a task's result.</summary>
    Episodic,

    /// <summary>A fact about the world or the user; a newer fact on the same key supersedes it.</summary>
    Semantic,

    /// <summary>An instruction or way of working that succeeded before and should be repeated.</summary>
    Procedural,
}
