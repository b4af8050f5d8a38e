using System.Globalization;
using Keel.Memory.Ingestion;
using Keel.Memory.Retrieval;
using Keel.Sessions;
using Keel.Storage;
using Keel.Tokens;
using Microsoft.Extensions.AI;

namespace Keel.Memory.Context;

/// <summary>
/// Builds the context a session's next run starts from: its recent turns, a note for its earlier messages, and
/// the memories most relevant to the query, packed into a token budget counted with the model's tokenizer, with
/// what was left out and why. The durable runtime uses it (as an <see cref="ISessionContextSource"/>) for tasks in
/// a session, and the Agent Framework integration for agent runs.
/// </summary>
/// <remarks>
/// Packing order, each step taking only what still fits the whole budget:
/// (1) the newest turns, up to <see cref="ContextAssemblyOptions.RecentTurnsShare"/> of the budget;
/// (2) the summary note, when earlier messages are left out;
/// (3) memories, best first, up to <see cref="ContextAssemblyOptions.MemoriesShare"/>;
/// (4) older turns, up to the whole budget;
/// (5) then anything left (memories, the note, turns) that still fits, until nothing does.
/// Turns are kept as an unbroken run up to the newest, and a tool call travels with its results.
/// </remarks>
public sealed class ContextAssembler : ISessionContextSource
{
    private readonly IKeelStore _store;
    private readonly Func<MemoryQuery, CancellationToken, Task<MemorySearchResult>> _search;
    private readonly TimeProvider _time;

    public ContextAssembler(MemoryService memory, ContextAssemblyOptions? defaults = null)
        : this(
            (memory ?? throw new ArgumentNullException(nameof(memory))).Store,
            memory.SearchAsync,
            memory.TimeProvider,
            defaults)
    {
    }

    /// <summary>Over any search: what tests use before (or instead of) the memory service.</summary>
    internal ContextAssembler(IKeelStore store, Func<MemoryQuery, CancellationToken, Task<MemorySearchResult>> search, TimeProvider? time = null, ContextAssemblyOptions? defaults = null)
    {
        _store = store;
        _search = search;
        _time = time ?? TimeProvider.System;
        Defaults = defaults ?? ContextAssemblyOptions.Default;
        Defaults.Validate();
    }

    /// <summary>The options of calls that pass none, and of the runtime's sessions.</summary>
    public ContextAssemblyOptions Defaults { get; }

    /// <summary>
    /// Assembles the context of <paramref name="sessionId"/> for <paramref name="query"/> within
    /// <paramref name="tokenBudget"/> tokens. With no query, the session's newest user message is searched with.
    /// </summary>
    public async Task<AssembledContext> BuildContextAsync(
        string customerId,
        string sessionId,
        string? query,
        int tokenBudget,
        ContextAssemblyOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        ArgumentOutOfRangeException.ThrowIfNegative(tokenBudget);
        options ??= Defaults;
        options.Validate();
        var counter = options.Tokens ?? TokenCounter.O200k;

        IReadOnlyList<SessionMessage> stored = options.IncludeRecentTurns && options.MaxMessages > 0
            ? await _store.GetSessionMessagesAsync(customerId, sessionId, options.MaxMessages, cancellationToken).ConfigureAwait(false)
            : [];
        var chats = stored.Select(SessionMessages.ToChatMessage).ToList();
        if (string.IsNullOrWhiteSpace(query))
        {
            query = chats.LastOrDefault(m => m.Role == ChatRole.User)?.Text;
        }

        var leftOut = new List<ContextLeftOut>();
        var hits = options.MaxMemories > 0 && !string.IsNullOrWhiteSpace(query)
            ? (await _search(MemoryQueryFor(customerId, query, options), cancellationToken).ConfigureAwait(false)).Hits
            : [];
        var candidates = MemoryCandidates(hits, options, leftOut);
        var probe = new ContextLayout(counter, [], 0, []);
        var layout = new ContextLayout(counter, TurnUnits(stored, chats, probe), stored.Count > 0 ? stored[^1].Seq : 0, candidates);
        return Pack(layout, sessionId, tokenBudget, options, leftOut);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ChatMessage>> GetSessionContextAsync(SessionContextRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var options = Defaults with { MaxMessages = request.MaxMessages };
        var context = await BuildContextAsync(request.CustomerId, request.SessionId, request.Query, request.TokenBudget, options, cancellationToken).ConfigureAwait(false);
        return context.Messages;
    }

    private static MemoryQuery MemoryQueryFor(string customerId, string query, ContextAssemblyOptions options)
    {
        var scope = options.MemoryScope ?? new MemoryScope(customerId);
        if (scope.CustomerId != customerId)
        {
            throw new ArgumentException($"The memory scope {scope} is not customer {customerId}'s.", nameof(options));
        }

        return new MemoryQuery(new MemoryFilter(scope) { Kinds = options.MemoryKinds }, query, options.MaxMemories) { Scoring = options.Scoring };
    }

    /// <summary>The hits worth packing, best first; superseded ones and repeats are left out here.</summary>
    private List<ContextItem> MemoryCandidates(IReadOnlyList<MemoryHit> hits, ContextAssemblyOptions options, List<ContextLeftOut> leftOut)
    {
        var now = _time.GetUtcNow();
        var inContext = new HashSet<string>(
            options.AlreadyInContext.Select(SessionTurnMemory.TextOf).OfType<string>().Select(Normalize), StringComparer.Ordinal);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var candidates = new List<ContextItem>();
        foreach (var hit in hits)
        {
            var memory = hit.Memory;
            var item = new ContextItem(ContextItemKind.Memory, memory.Id, memory.Text, 0) { Memory = hit };
            var text = Normalize(memory.Text);
            if (memory.SupersededBy is not null || !memory.IsCurrentAt(now))
            {
                leftOut.Add(new ContextLeftOut(item, ContextLeftOutReason.Superseded,
                    memory.SupersededBy is { } by ? $"Replaced by {by}." : "No longer valid."));
            }
            else if (seen.TryGetValue(memory.ContentHash, out var first) || seen.TryGetValue(text, out first))
            {
                leftOut.Add(new ContextLeftOut(item, ContextLeftOutReason.Duplicate, $"Says the same as {first}."));
            }
            else if (inContext.Contains(text))
            {
                leftOut.Add(new ContextLeftOut(item, ContextLeftOutReason.DuplicateOfRecentTurn, "Repeats a message already in the conversation."));
            }
            else
            {
                seen[memory.ContentHash] = memory.Id;
                seen[text] = memory.Id;
                candidates.Add(item);
            }
        }

        return candidates;
    }

    /// <summary>The session's turns newest first: a message, or an assistant's tool calls with the results that follow.</summary>
    private static List<TurnUnit> TurnUnits(IReadOnlyList<SessionMessage> stored, List<ChatMessage> chats, ContextLayout counter)
    {
        var units = new List<TurnUnit>();
        var i = stored.Count - 1;
        while (i >= 0)
        {
            var first = i;
            while (first >= 0 && stored[first].Role == ChatRole.Tool.Value)
            {
                first--;
            }

            var orphaned = first < 0;
            first = orphaned ? 0 : first;
            var messages = stored.Skip(first).Take(i - first + 1).ToList();
            var chat = chats.Skip(first).Take(i - first + 1).ToList();
            var text = string.Join('\n', chat.Select(m => $"{m.Role.Value}: {m.Text}"));
            var item = new ContextItem(ContextItemKind.RecentTurn, $"turn:{messages[0].Seq.ToString(CultureInfo.InvariantCulture)}", text, chat.Sum(counter.MessageTokens))
            {
                Messages = messages,
            };
            var memoryTexts = chat.Select(SessionTurnMemory.TextOf).OfType<string>().Select(Normalize).ToHashSet(StringComparer.Ordinal);
            units.Add(new TurnUnit(item, chat, messages[0].Seq, memoryTexts, orphaned));
            i = first - 1;
        }

        return units;
    }

    private static AssembledContext Pack(ContextLayout layout, string sessionId, int budget, ContextAssemblyOptions options, List<ContextLeftOut> leftOut)
    {
        var packer = new Packer(layout, sessionId, budget, options);
        packer.Run();
        var choice = packer.Choice;
        var total = layout.Total(choice);
        var messages = layout.Render(choice);

        var included = new List<ContextItem>();
        foreach (var m in layout.ShownOrder(choice.Memories))
        {
            var without = choice with { Memories = [.. choice.Memories.Where(x => x != m)] };
            included.Add(layout.Memories[m] with { Tokens = total - layout.Total(without) });
        }

        var summary = new ContextItem(ContextItemKind.Summary, "summary", "", layout.NoteTokens(choice.Kept));
        if (choice.Summary && layout.Omitted(choice.Kept) > 0)
        {
            included.Add(summary with { Text = SessionHistoryPolicy.OmittedNote(layout.Omitted(choice.Kept)).Text });
        }

        for (var u = choice.Kept - 1; u >= 0; u--)
        {
            included.Add(layout.Units[u].Item);
        }

        var result = new AssembledContext(messages, included, leftOut, total, budget) { Layout = layout, Choice = choice };
        if (packer.SummaryAllowed && !choice.Summary && layout.Omitted(choice.Kept) > 0)
        {
            var note = summary with { Text = SessionHistoryPolicy.OmittedNote(layout.Omitted(choice.Kept)).Text };
            leftOut.Add(new ContextLeftOut(note, ContextLeftOutReason.OverBudget, $"The note needs {note.Tokens} tokens; {budget - total} were left."));
        }

        for (var m = 0; m < layout.Memories.Count; m++)
        {
            if (choice.Memories.Contains(m))
            {
                continue;
            }

            var item = layout.Memories[m];
            if (packer.Repeated.TryGetValue(m, out var turn))
            {
                leftOut.Add(new ContextLeftOut(item, ContextLeftOutReason.DuplicateOfRecentTurn, $"Repeats {turn}, which is in the context."));
            }
            else
            {
                var with = result.TokensWith(item);
                leftOut.Add(new ContextLeftOut(item with { Tokens = with - total }, ContextLeftOutReason.OverBudget,
                    $"Adding it would make {with} tokens of a {budget} budget."));
            }
        }

        for (var u = choice.Kept; u < layout.Units.Count; u++)
        {
            var unit = layout.Units[u];
            leftOut.Add(unit.Orphaned
                ? new ContextLeftOut(unit.Item, ContextLeftOutReason.OrphanedToolResult, "A tool result whose call was not read.")
                : new ContextLeftOut(unit.Item, ContextLeftOutReason.OverBudget, u == choice.Kept
                    ? $"Adding it would make {result.TokensWith(unit.Item)} tokens of a {budget} budget."
                    : "Older than a turn that did not fit: turns are kept as an unbroken run up to the newest."));
        }

        return result;
    }

    internal static string Normalize(string text) => text.Trim().ToUpperInvariant();

    /// <summary>True when the memory is one of the unit's messages: by its source, or by its text.</summary>
    internal static bool Repeats(TurnUnit unit, MemoryRecord memory, string sessionId) =>
        unit.MemoryTexts.Contains(Normalize(memory.Text))
        || (memory.Source.SessionId == sessionId && memory.Source.MessageId is { } id
            && unit.Item.Messages.Any(m => m.Seq.ToString(CultureInfo.InvariantCulture) == id));
}
