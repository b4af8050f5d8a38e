using Microsoft.Extensions.AI;

namespace Keel.Sessions;

/// <summary>
/// How much of a session's conversation a new task (or Agent Framework run) starts with. A session grows without
/// end while a model's context does not, so history is bounded by a token budget: the newest messages that fit
/// <see cref="MaxTokens"/> are kept, whole and in order; everything older is left out, and one system note takes
/// its place saying how many earlier messages were left out (so the model knows the conversation began before
/// what it sees). The note's own tokens count against the budget. A kept window never starts with a tool result
/// whose call was left out, since providers refuse such a conversation.
/// </summary>
public sealed record SessionHistoryPolicy
{
    public static SessionHistoryPolicy Default { get; } = new();

    /// <summary>The most tokens of history a run starts with, note included (o200k_base count with message framing).</summary>
    public int MaxTokens { get; init; } = 4000;

    /// <summary>The most messages read from the store before the budget applies: a bound on the read itself.</summary>
    public int MaxMessages { get; init; } = 1000;

    /// <summary>
    /// The history to start from, given a session's newest messages in order (as the store returns them). Relies
    /// on sequence numbers starting at 1 without gaps to count what was left out, including messages never read.
    /// </summary>
    public IReadOnlyList<ChatMessage> Select(IReadOnlyList<SessionMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (MaxTokens < 0)
        {
            throw new InvalidOperationException($"{nameof(MaxTokens)} must be zero or more; it is {MaxTokens}.");
        }

        var first = messages.Count; // index of the oldest message kept
        var total = 0;
        while (first > 0 && total + messages[first - 1].Tokens <= MaxTokens)
        {
            first--;
            total += messages[first].Tokens;
        }

        first = SkipOrphanedToolResults(messages, first, ref total);
        var lastSeq = messages.Count > 0 ? messages[^1].Seq : 0;
        var omitted = first < messages.Count ? messages[first].Seq - 1 : lastSeq;
        ChatMessage? note = null;
        if (omitted > 0)
        {
            note = OmittedNote(omitted);
            var noteTokens = SessionMessages.Tokens(note);
            while (first < messages.Count && total + noteTokens > MaxTokens)
            {
                total -= messages[first].Tokens;
                first = SkipOrphanedToolResults(messages, first + 1, ref total);
            }

            omitted = first < messages.Count ? messages[first].Seq - 1 : lastSeq;
            note = OmittedNote(omitted);
        }

        var history = new List<ChatMessage>(messages.Count - first + 1);
        if (note is not null)
        {
            history.Add(note);
        }

        for (var i = first; i < messages.Count; i++)
        {
            history.Add(SessionMessages.ToChatMessage(messages[i]));
        }

        return history;
    }

    /// <summary>The system note that stands in for the messages left out.</summary>
    public static ChatMessage OmittedNote(long omitted) => new(ChatRole.System,
        $"[Session history: {omitted} earlier message{(omitted == 1 ? " was" : "s were")} left out to fit the context budget.]");

    private static int SkipOrphanedToolResults(IReadOnlyList<SessionMessage> messages, int first, ref int total)
    {
        while (first < messages.Count && messages[first].Role == ChatRole.Tool.Value)
        {
            total -= messages[first].Tokens;
            first++;
        }

        return first;
    }
}
