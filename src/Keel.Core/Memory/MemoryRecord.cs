namespace Keel.Memory;

/// <summary>A stored memory. It is never edited: a change is a new memory that supersedes it.</summary>
/// <param name="Id">The public id (<c>mem_…</c>).</param>
/// <param name="Key">The store's integer key, stable for the memory's life: what an approximate index keys its vectors by.</param>
/// <param name="ContentHash">The hash of its normalized text within its scope: identical memories in one scope are stored once.</param>
/// <param name="ValidTo">When it stopped holding; null while current.</param>
/// <param name="SupersededBy">The memory that replaced it, when one did.</param>
public sealed record MemoryRecord(
    string Id,
    long Key,
    MemoryScope Scope,
    MemoryKind Kind,
    string Text,
    MemorySource Source,
    double Importance,
    DateTimeOffset OccurredAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset ValidFrom,
    DateTimeOffset? ValidTo,
    string? SupersededBy,
    string? FactKey,
    string ContentHash)
{
    /// <summary>True while it is not superseded and not past its validity at <paramref name="at"/>.</summary>
    public bool IsCurrentAt(DateTimeOffset at) => ValidFrom <= at && (ValidTo is null || ValidTo > at);
}
