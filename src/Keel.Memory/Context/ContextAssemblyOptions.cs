using Keel.Memory.Retrieval;
using Keel.Tokens;
using Microsoft.Extensions.AI;

namespace Keel.Memory.Context;

/// <summary>
/// How <see cref="ContextAssembler"/> shares a token budget between a session's recent turns, the summary of what
/// is left out, and relevant memories. The shares are first claims, not caps: budget one section leaves unused
/// goes to the others (see docs/memory.md, "Context assembly", for the order).
/// </summary>
public sealed record ContextAssemblyOptions
{
    public static ContextAssemblyOptions Default { get; } = new();

    /// <summary>The share of the budget the newest turns claim first (0 to 1).</summary>
    public double RecentTurnsShare { get; init; } = 0.5;

    /// <summary>The share of the budget relevant memories claim before older turns get the rest (0 to 1).</summary>
    public double MemoriesShare { get; init; } = 0.3;

    /// <summary>Whether recent turns of the session are included at all (an Agent Framework agent keeps its own history).</summary>
    public bool IncludeRecentTurns { get; init; } = true;

    /// <summary>Whether a note says how many earlier messages of the session were left out.</summary>
    public bool IncludeSummary { get; init; } = true;

    /// <summary>How many memories to search for; 0 searches none.</summary>
    public int MaxMemories { get; init; } = 20;

    /// <summary>The most session messages read before the budget applies: a bound on the read itself.</summary>
    public int MaxMessages { get; init; } = 1000;

    /// <summary>
    /// Where relevant memories are searched; null searches the whole customer (every session and agent of it), so
    /// what an end user said in an earlier session is found.
    /// </summary>
    public MemoryScope? MemoryScope { get; init; }

    /// <summary>Only memories of these kinds; all when empty.</summary>
    public IReadOnlyList<MemoryKind> MemoryKinds { get; init; } = [];

    /// <summary>How search weighs its signals; the service's default when null.</summary>
    public MemoryScoring? Scoring { get; init; }

    /// <summary>
    /// Messages the caller sends anyway (an Agent Framework agent's own history): memories that repeat one of them
    /// are left out as duplicates.
    /// </summary>
    public IReadOnlyList<ChatMessage> AlreadyInContext { get; init; } = [];

    /// <summary>
    /// The tokenizer of the model the context is for; o200k_base (OpenAI's current models) by default. Every
    /// message is counted as it will be sent: its text plus OpenAI's per-message framing.
    /// </summary>
    public TokenCounter? Tokens { get; init; }

    internal void Validate()
    {
        if (RecentTurnsShare is < 0 or > 1 || double.IsNaN(RecentTurnsShare))
        {
            throw new ArgumentOutOfRangeException(nameof(RecentTurnsShare), RecentTurnsShare, "A share is between 0 and 1.");
        }

        if (MemoriesShare is < 0 or > 1 || double.IsNaN(MemoriesShare))
        {
            throw new ArgumentOutOfRangeException(nameof(MemoriesShare), MemoriesShare, "A share is between 0 and 1.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MaxMemories);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxMessages);
    }
}
