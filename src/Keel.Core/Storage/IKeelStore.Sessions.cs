using Keel.Sessions;

namespace Keel.Storage;

/// <summary>
/// Sessions: the conversation an agent and an end user keep across tasks, and small named state an integration
/// (the Agent Framework's session store) keeps with it. Every call names the customer, and a session of another
/// customer is treated as absent on reads and refused on writes.
/// </summary>
public partial interface IKeelStore
{
    /// <summary>
    /// A session's messages in order (oldest first): all of them, or only the newest <paramref name="newest"/>.
    /// Empty when the session does not exist or belongs to another customer.
    /// </summary>
    ValueTask<IReadOnlyList<SessionMessage>> GetSessionMessagesAsync(string customerId, string sessionId, int? newest = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends messages to a session outside any task (a task appends through its step commit, see
    /// <see cref="Journal.StepCommit.SessionMessages"/>), creating the session for the customer when it is new.
    /// Returns them with the sequence numbers they were given. <see cref="SessionMessage.SessionId"/> and
    /// <see cref="SessionMessage.Seq"/> of the input are ignored.
    /// </summary>
    /// <exception cref="StoreException">The session belongs to another customer.</exception>
    ValueTask<IReadOnlyList<SessionMessage>> AppendSessionMessagesAsync(string customerId, string sessionId, IReadOnlyList<SessionMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>A value stored under <paramref name="key"/> in the session; null when absent or the session is another customer's.</summary>
    ValueTask<string?> GetSessionStateAsync(string customerId, string sessionId, string key, CancellationToken cancellationToken = default);

    /// <summary>Stores (or replaces) a value under <paramref name="key"/> in the session, creating the session for the customer when it is new.</summary>
    /// <exception cref="StoreException">The session belongs to another customer.</exception>
    ValueTask SetSessionStateAsync(string customerId, string sessionId, string key, string value, CancellationToken cancellationToken = default);

    /// <summary>Removes the value under <paramref name="key"/>; false when there was none (or the session is another customer's).</summary>
    ValueTask<bool> DeleteSessionStateAsync(string customerId, string sessionId, string key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forgets a session's conversation and state: an end user asked for it, or an integration deleted the
    /// conversation. The session itself, its tasks and their journals stay. Its next message is numbered 1 again.
    /// </summary>
    /// <returns>How many messages were removed (0 too for a session of another customer, which is left alone).</returns>
    ValueTask<int> ClearSessionAsync(string customerId, string sessionId, CancellationToken cancellationToken = default);
}
