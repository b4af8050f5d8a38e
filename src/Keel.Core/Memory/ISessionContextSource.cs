using Microsoft.Extensions.AI;

namespace Keel.Memory;

/// <summary>
/// Where a session's next run gets the context it starts with, when something richer than the session's newest
/// messages is wanted: Keel.Memory's context assembler adds summaries and relevant memories from earlier sessions.
/// It lives in Core so the durable runtime can use one when it is registered without depending on Keel.Memory;
/// with none registered the runtime keeps its plain <c>SessionHistoryPolicy</c>.
/// </summary>
public interface ISessionContextSource
{
    /// <summary>
    /// The messages to start from, in the order to send them, whose tokens (o200k_base with per-message framing)
    /// never add up to more than <see cref="SessionContextRequest.TokenBudget"/>.
    /// </summary>
    Task<IReadOnlyList<ChatMessage>> GetSessionContextAsync(SessionContextRequest request, CancellationToken cancellationToken = default);
}

/// <summary>What a run asks an <see cref="ISessionContextSource"/> for.</summary>
/// <param name="Query">What the run is about (a task's input, the user's new message): what relevant memories are searched with; null when unknown.</param>
/// <param name="TokenBudget">The most tokens the returned messages may take.</param>
public sealed record SessionContextRequest(string CustomerId, string SessionId, string? Query, int TokenBudget)
{
    /// <summary>The agent the run is for, when known: memories can be narrowed to it.</summary>
    public string? AgentId { get; init; }

    /// <summary>The task the run belongs to, when it is one.</summary>
    public string? TaskId { get; init; }

    /// <summary>The most session messages to read before the budget applies: a bound on the read itself.</summary>
    public int MaxMessages { get; init; } = 1000;
}
