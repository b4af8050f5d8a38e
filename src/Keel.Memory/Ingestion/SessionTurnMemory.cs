using System.Globalization;
using Keel.Sessions;
using Microsoft.Extensions.AI;

namespace Keel.Memory.Ingestion;

/// <summary>
/// How a conversation turn becomes an episodic memory. One mapping for every path (automatic ingestion from the
/// store, the Agent Framework provider, context assembly's duplicate check) so the same turn always yields the same
/// text in the same scope, and the store's deduplication stores it once whichever path came first.
/// </summary>
public static class SessionTurnMemory
{
    /// <summary>
    /// The memory text of a message: its role and its text (<c>user: my flight is on Tuesday</c>), so a memory says
    /// who said it. Null for what is not a turn worth remembering: system notes, tool calls and results, empty text.
    /// </summary>
    public static string? TextOf(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Role != ChatRole.User && message.Role != ChatRole.Assistant)
        {
            return null;
        }

        var text = string.Concat(message.Contents.OfType<TextContent>().Select(t => t.Text)).Trim();
        return text.Length == 0 ? null : $"{message.Role.Value}: {text}";
    }

    /// <summary>The memory text of a stored session message (see <see cref="TextOf(ChatMessage)"/>).</summary>
    public static string? TextOf(SessionMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Role is "user" or "assistant" ? TextOf(SessionMessages.ToChatMessage(message)) : null;
    }

    /// <summary>
    /// The episodic memory of a stored session message: scoped to the customer and session (and the agent when the
    /// message came from a task of one), sourced to the session, task and message seq, at the message's time.
    /// Null when the message is not a turn (see <see cref="TextOf(ChatMessage)"/>).
    /// </summary>
    public static NewMemory? From(string customerId, SessionMessage message, string? agentId = null, double importance = 0.5)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = TextOf(message);
        return text is null ? null : new NewMemory(
            new MemoryScope(customerId, agentId: agentId, sessionId: message.SessionId),
            MemoryKind.Episodic,
            text,
            new MemorySource(message.SessionId, message.TaskId, MessageId: message.Seq.ToString(CultureInfo.InvariantCulture)),
            importance,
            message.CreatedAt);
    }

    /// <summary>
    /// The episodic memory of a message not (yet) stored in a session: the same text and scope as
    /// <see cref="From(string, SessionMessage, string?, double)"/> gives once it is, so the two deduplicate.
    /// </summary>
    public static NewMemory? From(string customerId, string sessionId, ChatMessage message, DateTimeOffset occurredAt, string? agentId = null, string? taskId = null, double importance = 0.5)
    {
        var text = TextOf(message);
        return text is null ? null : new NewMemory(
            new MemoryScope(customerId, agentId: agentId, sessionId: sessionId),
            MemoryKind.Episodic,
            text,
            new MemorySource(sessionId, taskId),
            importance,
            occurredAt);
    }
}
