namespace Keel.Memory;

/// <summary>
/// Which memories a read considers. The scope is required (see <see cref="MemoryScope"/> for how it matches);
/// the rest narrows it. By default only current memories: superseded ones are history.
/// </summary>
public sealed record MemoryFilter(MemoryScope Scope)
{
    /// <summary>Only these kinds; all when empty.</summary>
    public IReadOnlyList<MemoryKind> Kinds { get; init; } = [];

    /// <summary>Only memories that occurred at or after this time.</summary>
    public DateTimeOffset? OccurredFrom { get; init; }

    /// <summary>Only memories that occurred before this time.</summary>
    public DateTimeOffset? OccurredTo { get; init; }

    /// <summary>Only memories from this source (each part given must match).</summary>
    public MemorySource? Source { get; init; }

    /// <summary>Also superseded and expired memories: the history.</summary>
    public bool IncludeHistory { get; init; }

    /// <summary>The memories current at this time rather than now (ignored with <see cref="IncludeHistory"/>).</summary>
    public DateTimeOffset? AsOf { get; init; }
}
