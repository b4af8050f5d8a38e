using Keel.Context;
using Keel.Tokens;
using Microsoft.Extensions.AI;

namespace Keel.Sessions;

/// <summary>Turns chat messages into session messages and back: canonical JSON, and their token count taken once.</summary>
public static class SessionMessages
{
    private static readonly Lazy<int> EmptyPrompt = new(() => TokenCounter.O200k.CountPrompt([]));

    /// <summary>What the message adds to a prompt (o200k_base with OpenAI's per-message framing).</summary>
    public static int Tokens(ChatMessage message) => TokenCounter.O200k.CountPrompt([message]) - EmptyPrompt.Value;

    /// <summary>A message to store in <paramref name="sessionId"/>; the store gives it its sequence number.</summary>
    public static SessionMessage From(ChatMessage message, string sessionId, string? taskId, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new SessionMessage(sessionId, 0, taskId, message.Role.Value, MessageJson.Serialize(message), Tokens(message), createdAt);
    }

    public static ChatMessage ToChatMessage(SessionMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return MessageJson.Deserialize(message.Content);
    }
}
