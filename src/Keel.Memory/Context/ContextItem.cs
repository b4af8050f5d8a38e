using Keel.Memory.Retrieval;
using Keel.Sessions;

namespace Keel.Memory.Context;

/// <summary>What a piece of assembled context is.</summary>
public enum ContextItemKind
{
    /// <summary>A message of the session (a tool call travels with its results as one item).</summary>
    RecentTurn,

    /// <summary>The note standing in for the session's earlier messages that were left out.</summary>
    Summary,

    /// <summary>A memory found by searching with the query.</summary>
    Memory,
}

/// <summary>A candidate for the context: included, or left out (see <see cref="ContextLeftOut"/>).</summary>
/// <param name="Id">
/// Stable within one assembly: <c>turn:SEQ</c> (the seq of the item's first message), <c>summary</c>, or the
/// memory's id.
/// </param>
/// <param name="Text">What it says, for explaining a context to a person.</param>
/// <param name="Tokens">
/// What it added to the total when it was packed; for an item left out, what it would have added when it was tried.
/// </param>
public sealed record ContextItem(ContextItemKind Kind, string Id, string Text, int Tokens)
{
    /// <summary>The session messages of a turn, oldest first; empty for other kinds.</summary>
    public IReadOnlyList<SessionMessage> Messages { get; init; } = [];

    /// <summary>The search hit of a memory; null for other kinds.</summary>
    public MemoryHit? Memory { get; init; }
}
