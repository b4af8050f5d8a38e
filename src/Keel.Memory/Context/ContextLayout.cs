using System.Globalization;
using System.Text;
using Keel.Sessions;
using Keel.Tokens;
using Microsoft.Extensions.AI;

namespace Keel.Memory.Context;

/// <summary>
/// The candidates of one assembly and how a choice among them renders and counts. A choice is (how many newest
/// turns, whether the summary note is on, which memories); its total is the exact token count of the messages it
/// renders to, so packing and <see cref="AssembledContext.TokensWith"/> count the same way the model will.
/// </summary>
internal sealed class ContextLayout
{
    private const string MemoryHeader = "Relevant memories (from earlier in this and other conversations, oldest first):";
    private readonly TokenCounter _counter;
    private readonly int _emptyPrompt;
    private readonly Dictionary<long, int> _noteTokens = [];
    private readonly Dictionary<string, int> _memoryTokens = new(StringComparer.Ordinal);
    private readonly int[] _turnPrefix;

    public ContextLayout(TokenCounter counter, IReadOnlyList<TurnUnit> units, long lastSeq, IReadOnlyList<ContextItem> memories)
    {
        _counter = counter;
        _emptyPrompt = counter.CountPrompt([]);
        Units = units;
        LastSeq = lastSeq;
        Memories = memories;
        _turnPrefix = new int[units.Count + 1];
        for (var i = 0; i < units.Count; i++)
        {
            _turnPrefix[i + 1] = _turnPrefix[i] + units[i].Item.Tokens;
        }
    }

    /// <summary>The session's turns, newest first; a tool call and its results are one unit.</summary>
    public IReadOnlyList<TurnUnit> Units { get; }

    /// <summary>The seq of the newest message read (0 for an empty session).</summary>
    public long LastSeq { get; }

    /// <summary>The memory candidates, best first (an index into this list names a memory in a choice).</summary>
    public IReadOnlyList<ContextItem> Memories { get; }

    /// <summary>What a message adds to a prompt: its role, text and OpenAI's per-message framing.</summary>
    public int MessageTokens(ChatMessage message) => _counter.CountPrompt([message]) - _emptyPrompt;

    /// <summary>How many earlier messages of the session the newest <paramref name="kept"/> turns leave out.</summary>
    public long Omitted(int kept) => kept > 0 ? Units[kept - 1].FirstSeq - 1 : LastSeq;

    public int TurnTokens(int kept) => _turnPrefix[kept];

    public int NoteTokens(int kept)
    {
        var omitted = Omitted(kept);
        if (omitted <= 0)
        {
            return 0;
        }

        if (!_noteTokens.TryGetValue(omitted, out var tokens))
        {
            tokens = MessageTokens(SessionHistoryPolicy.OmittedNote(omitted));
            _noteTokens[omitted] = tokens;
        }

        return tokens;
    }

    public int MemoryTokens(IReadOnlyCollection<int> memories)
    {
        if (memories.Count == 0)
        {
            return 0;
        }

        var key = string.Join(',', memories.Order());
        if (!_memoryTokens.TryGetValue(key, out var tokens))
        {
            tokens = MessageTokens(MemoryBlock(memories));
            _memoryTokens[key] = tokens;
        }

        return tokens;
    }

    public int Total(Choice choice) =>
        TurnTokens(choice.Kept) + (choice.Summary ? NoteTokens(choice.Kept) : 0) + MemoryTokens(choice.Memories);

    /// <summary>The messages a choice sends: the memory block, the summary note, then the turns oldest first.</summary>
    public List<ChatMessage> Render(Choice choice)
    {
        var messages = new List<ChatMessage>();
        if (choice.Memories.Count > 0)
        {
            messages.Add(MemoryBlock(choice.Memories));
        }

        if (choice.Summary && Omitted(choice.Kept) > 0)
        {
            messages.Add(SessionHistoryPolicy.OmittedNote(Omitted(choice.Kept)));
        }

        for (var i = choice.Kept - 1; i >= 0; i--)
        {
            messages.AddRange(Units[i].Chat);
        }

        return messages;
    }

    /// <summary>The memories of a choice in the order they are shown: oldest first, as a timeline reads.</summary>
    public IEnumerable<int> ShownOrder(IEnumerable<int> memories) => memories
        .OrderBy(i => Memories[i].Memory!.Memory.OccurredAt)
        .ThenBy(i => Memories[i].Memory!.Memory.Key);

    private ChatMessage MemoryBlock(IEnumerable<int> memories)
    {
        var text = new StringBuilder(MemoryHeader);
        foreach (var i in ShownOrder(memories))
        {
            var memory = Memories[i].Memory!.Memory;
            text.Append('\n').Append("- [")
                .Append(memory.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))
                .Append("] ").Append(memory.Text);
        }

        return new ChatMessage(ChatRole.System, text.ToString());
    }
}

/// <summary>One candidate turn: a message, or an assistant's tool calls with their results.</summary>
/// <param name="Orphaned">Tool results whose call was not read: never sent.</param>
internal sealed record TurnUnit(ContextItem Item, IReadOnlyList<ChatMessage> Chat, long FirstSeq, IReadOnlySet<string> MemoryTexts, bool Orphaned);

/// <summary>A choice of what to send: the newest <paramref name="Kept"/> turns, the note or not, and memories by index.</summary>
internal sealed record Choice(int Kept, bool Summary, IReadOnlyCollection<int> Memories);
