using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Keel.Storage;
using Microsoft.Agents.AI;

namespace Keel.AgentFramework;

/// <summary>
/// Stores Microsoft Agent Framework sessions in Keel, so a conversation resumes after a restart or on another
/// node. Each key (with its partitions) and agent name map to one Keel session of the customer: it holds the
/// serialized agent session as session state and, for an agent using <see cref="KeelChatHistoryProvider"/>, the
/// conversation itself. Two customers using the same key get two different sessions.
/// </summary>
/// <remarks>
/// Deleting a session forgets its state and its conversation (the Keel session's tasks and journals stay), so a
/// new session under the same key starts afresh. One store serves one customer.
/// </remarks>
public sealed class KeelAgentSessionStore : AgentSessionStore
{
    /// <summary>The session-state key the serialized agent session is kept under.</summary>
    public const string StateKey = "agent-framework.session";

    private readonly IKeelStore _store;
    private readonly string _customerId;
    private readonly JsonSerializerOptions? _jsonOptions;

    /// <param name="jsonOptions">Options the agent serializes its sessions with; null uses the agent's defaults.</param>
    public KeelAgentSessionStore(IKeelStore store, string customerId, JsonSerializerOptions? jsonOptions = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        _store = store;
        _customerId = customerId;
        _jsonOptions = jsonOptions;
    }

    /// <summary>
    /// The Keel session behind a key: derived from the customer, the agent's name and the key, so every node finds
    /// the same one without a lookup table.
    /// </summary>
    public string KeelSessionIdFor(AIAgent agent, AgentSessionStoreKey key)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(key);
        var identity = new StringBuilder().Append(_customerId).Append('\n').Append(agent.Name ?? "").Append('\n').Append(key.SessionId);
        foreach (var (name, value) in (key.Partitions ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            identity.Append('\n').Append(name).Append('=').Append(value);
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(identity.ToString()));
        return $"sess_maf_{Convert.ToHexStringLower(hash)[..32]}";
    }

    public override async ValueTask SaveSessionAsync(AIAgent agent, AgentSessionStoreKey key, AgentSession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var state = await agent.SerializeSessionAsync(session, _jsonOptions, cancellationToken).ConfigureAwait(false);
        await _store.SetSessionStateAsync(_customerId, KeelSessionIdFor(agent, key), StateKey, state.GetRawText(), cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask<AgentSession?> GetSessionAsync(AIAgent agent, AgentSessionStoreKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var json = await _store.GetSessionStateAsync(_customerId, KeelSessionIdFor(agent, key), StateKey, cancellationToken).ConfigureAwait(false);
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return await agent.DeserializeSessionAsync(document.RootElement.Clone(), _jsonOptions, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The stored session, or a new one whose conversation lives in the key's Keel session.</summary>
    public override async ValueTask<AgentSession> GetOrCreateSessionAsync(AIAgent agent, AgentSessionStoreKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        if (await GetSessionAsync(agent, key, cancellationToken).ConfigureAwait(false) is { } stored)
        {
            return stored;
        }

        var session = await agent.CreateSessionAsync(cancellationToken).ConfigureAwait(false);
        HistoryProviderOf(agent)?.BindKeelSession(session, KeelSessionIdFor(agent, key));
        return session;
    }

    public override async ValueTask DeleteSessionAsync(AIAgent agent, AgentSessionStoreKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agent);
        await _store.ClearSessionAsync(_customerId, KeelSessionIdFor(agent, key), cancellationToken).ConfigureAwait(false);
    }

    private static KeelChatHistoryProvider? HistoryProviderOf(AIAgent agent) =>
        agent.GetService<KeelChatHistoryProvider>() ?? agent.GetService<ChatClientAgent>()?.ChatHistoryProvider?.GetService<KeelChatHistoryProvider>();
}
