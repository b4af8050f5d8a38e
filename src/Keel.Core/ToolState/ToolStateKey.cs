namespace Keel.ToolState;

/// <summary>
/// Names one value of tool state. The customer is always part of the key, whatever the scope: tenants are walled
/// by the key itself, so a session or task id that two customers happen to share never reaches the other's state.
/// </summary>
public sealed record ToolStateKey
{
    /// <exception cref="ArgumentException">A part is empty, or a customer-scoped key names another customer as its scope.</exception>
    public ToolStateKey(string customerId, ToolStateScope scope, string scopeId, string tool, string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(scopeId);
        ArgumentException.ThrowIfNullOrWhiteSpace(tool);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        if (!Enum.IsDefined(scope))
        {
            throw new ArgumentOutOfRangeException(nameof(scope), scope, "Unknown tool state scope.");
        }

        if (scope == ToolStateScope.Customer && scopeId != customerId)
        {
            throw new ArgumentException($"Customer-scoped tool state belongs to the customer itself: its scope id is '{customerId}', not '{scopeId}'.", nameof(scopeId));
        }

        CustomerId = customerId;
        Scope = scope;
        ScopeId = scopeId;
        Tool = tool;
        Key = key;
    }

    /// <summary>The tenant the state belongs to.</summary>
    public string CustomerId { get; }

    public ToolStateScope Scope { get; }

    /// <summary>The customer, session or task id the state belongs to, by <see cref="Scope"/>.</summary>
    public string ScopeId { get; }

    /// <summary>The tool that owns the state: two tools never see each other's keys.</summary>
    public string Tool { get; }

    public string Key { get; }

    public static ToolStateKey ForCustomer(string customerId, string tool, string key) => new(customerId, ToolStateScope.Customer, customerId, tool, key);

    public static ToolStateKey ForSession(string customerId, string sessionId, string tool, string key) => new(customerId, ToolStateScope.Session, sessionId, tool, key);

    public static ToolStateKey ForTask(string customerId, string taskId, string tool, string key) => new(customerId, ToolStateScope.Task, taskId, tool, key);

    /// <summary>A readable name for traces and errors: <c>session:s_123/cart/items</c>.</summary>
    public override string ToString() => $"{Scope.ToString().ToLowerInvariant()}:{ScopeId}/{Tool}/{Key}";
}
