namespace Keel.Memory.Context;

/// <summary>Why a candidate was not put in the context.</summary>
public enum ContextLeftOutReason
{
    /// <summary>It did not fit in what was left of the budget.</summary>
    OverBudget,

    /// <summary>A memory that is a turn already in the context (or in <see cref="ContextAssemblyOptions.AlreadyInContext"/>).</summary>
    DuplicateOfRecentTurn,

    /// <summary>A memory with the same text as a better-ranked one.</summary>
    Duplicate,

    /// <summary>A memory that a newer one replaced, or whose validity ended: history, not current.</summary>
    Superseded,

    /// <summary>A tool result whose call was not read: providers refuse a conversation that starts with one.</summary>
    OrphanedToolResult,
}

/// <summary>A candidate left out of an assembled context, and why.</summary>
/// <param name="Detail">A sentence for a person (which budget it missed, which turn it repeats).</param>
public sealed record ContextLeftOut(ContextItem Item, ContextLeftOutReason Reason, string Detail);
