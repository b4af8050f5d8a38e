namespace Keel.Sessions;

/// <summary>
/// One message of a session's conversation, in the order the session heard it. A session outlives its tasks:
/// the next task in the same session starts from these messages, so an end user can come back to an agent that
/// remembers.
/// </summary>
/// <param name="SessionId">The session the message belongs to.</param>
/// <param name="Seq">
/// Its place in the session, from 1 without gaps. The store assigns it when it writes the message, inside the
/// write's transaction, so tasks running side by side in one session never take the same number; a message not
/// yet stored has 0.
/// </param>
/// <param name="TaskId">The task that added it; null for a message added outside a task (an Agent Framework run).</param>
/// <param name="Role">The chat role (<c>user</c>, <c>assistant</c>, <c>system</c>, <c>tool</c>), so history can be filtered without parsing <paramref name="Content"/>.</param>
/// <param name="Content">The message as Keel's canonical chat-message JSON; the store keeps it as opaque text.</param>
/// <param name="Tokens">What the message costs in a prompt, counted once when it is added, so a token budget never re-tokenizes history.</param>
public sealed record SessionMessage(string SessionId, long Seq, string? TaskId, string Role, string Content, int Tokens, DateTimeOffset CreatedAt);
