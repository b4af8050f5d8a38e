namespace Keel.Memory;

/// <summary>
/// Where a memory belongs. The customer is always part of it: tenants are walled by the scope itself. The other
/// parts narrow it. Stored on a memory, the scope is exact; used as a filter (search, list, forget), each part that
/// is given must match and a part left null matches anything, so <c>(customer, user)</c> finds that user's
/// memories in every agent and session.
/// </summary>
public sealed record MemoryScope
{
    /// <exception cref="ArgumentException">The customer is empty, or another part is given but blank.</exception>
    public MemoryScope(string customerId, string? userId = null, string? agentId = null, string? sessionId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        RejectBlank(userId, nameof(userId));
        RejectBlank(agentId, nameof(agentId));
        RejectBlank(sessionId, nameof(sessionId));
        CustomerId = customerId;
        UserId = userId;
        AgentId = agentId;
        SessionId = sessionId;
    }

    public string CustomerId { get; }

    /// <summary>The end user the memory is about or came from.</summary>
    public string? UserId { get; }

    /// <summary>The agent that learned it.</summary>
    public string? AgentId { get; }

    public string? SessionId { get; }

    /// <summary>A readable name for errors and logs: <c>c_1/user:u_9/agent:support</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string> { CustomerId };
        if (UserId is not null)
        {
            parts.Add($"user:{UserId}");
        }

        if (AgentId is not null)
        {
            parts.Add($"agent:{AgentId}");
        }

        if (SessionId is not null)
        {
            parts.Add($"session:{SessionId}");
        }

        return string.Join('/', parts);
    }

    private static void RejectBlank(string? value, string name)
    {
        if (value is not null && string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException("A scope part that is given cannot be blank; leave it null instead.", name);
        }
    }
}
