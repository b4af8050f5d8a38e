using Keel.Sessions;
using Keel.Tasks;
using Keel.Storage;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace Keel.AgentFramework;

/// <summary>
/// Keeps a Microsoft Agent Framework agent's conversation in Keel: each <see cref="AgentSession"/> is bound to a
/// Keel session, whose messages are the chat history. A run starts from that history, bounded by
/// <see cref="KeelChatHistoryOptions.History"/> (newest messages within a token budget, a note for the rest), and
/// its new request and response messages are appended at the end. The history therefore survives restarts,
/// is shared with Keel tasks in the same session, and is walled off per customer.
/// </summary>
/// <remarks>
/// The agent session carries only the Keel session id (in its state bag), so a serialized session stays small
/// however long the conversation grows. A session that has no Keel session yet gets a new one on first use.
/// One provider serves one customer: build one per customer, as each agent run is for one.
/// </remarks>
public sealed class KeelChatHistoryProvider : ChatHistoryProvider
{
    private readonly IKeelStore _store;
    private readonly string _customerId;
    private readonly KeelChatHistoryOptions _options;
    private readonly ProviderSessionState<KeelSessionState> _state;

    public KeelChatHistoryProvider(IKeelStore store, string customerId, KeelChatHistoryOptions? options = null)
        : base(provideOutputMessageFilter: null, storeInputRequestMessageFilter: OwnRequestMessages, storeInputResponseMessageFilter: null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        _store = store;
        _customerId = customerId;
        _options = options ?? new KeelChatHistoryOptions();
        _state = new ProviderSessionState<KeelSessionState>(
            _ => new KeelSessionState { SessionId = KeelIds.NewSessionId() }, _options.StateKey, AgentFrameworkJson.Default.Options);
    }

    public override IReadOnlyList<string> StateKeys => [_options.StateKey];

    /// <summary>
    /// The request messages that belong in the conversation: not the history itself, and not what context providers
    /// injected for one run (memories, retrieved documents), which would otherwise pile up in the session.
    /// </summary>
    private static IEnumerable<ChatMessage> OwnRequestMessages(IEnumerable<ChatMessage> messages) => messages.Where(m =>
        !m.GetAgentRequestMessageSourceType().Equals(AgentRequestMessageSourceType.ChatHistory)
        && !m.GetAgentRequestMessageSourceType().Equals(AgentRequestMessageSourceType.AIContextProvider));

    /// <summary>The Keel session that holds this agent session's conversation (assigned on first use).</summary>
    public string GetKeelSessionId(AgentSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var state = _state.GetOrInitializeState(session);
        _state.SaveState(session, state); // a newly assigned id must travel with the serialized session
        return state.SessionId;
    }

    /// <summary>Binds an agent session to a Keel session, before its first run: a conversation whose id the host chose.</summary>
    public void BindKeelSession(AgentSession session, string keelSessionId)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrWhiteSpace(keelSessionId);
        _state.SaveState(session, new KeelSessionState { SessionId = keelSessionId });
    }

    protected override async ValueTask<IEnumerable<ChatMessage>> ProvideChatHistoryAsync(InvokingContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var sessionId = GetKeelSessionId(context.Session ?? throw new InvalidOperationException("Keel keeps history per agent session; run the agent with a session."));
        var stored = await _store.GetSessionMessagesAsync(_customerId, sessionId, _options.History.MaxMessages, cancellationToken).ConfigureAwait(false);
        return _options.History.Select(stored);
    }

    protected override async ValueTask StoreChatHistoryAsync(InvokedContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var sessionId = GetKeelSessionId(context.Session ?? throw new InvalidOperationException("Keel keeps history per agent session; run the agent with a session."));
        var now = _options.TimeProvider.GetUtcNow();
        var added = context.RequestMessages.Concat(context.ResponseMessages ?? [])
            .Select(m => SessionMessages.From(m, sessionId, taskId: null, now))
            .ToList();
        if (added.Count > 0)
        {
            await _store.AppendSessionMessagesAsync(_customerId, sessionId, added, cancellationToken).ConfigureAwait(false);
        }
    }
}
