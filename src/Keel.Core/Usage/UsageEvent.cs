namespace Keel.Usage;

/// <summary>
/// A metered, priced unit of consumption. The idempotency key makes a retried write count once.
/// </summary>
public sealed record UsageEvent
{
    public required string IdempotencyKey { get; init; }
    public required string CustomerId { get; init; }
    public string? TaskId { get; init; }
    public int? StepSeq { get; init; }
    public required UsageKind Kind { get; init; }

    /// <summary>The model (for model usage) or the tool (for tool usage) that was used.</summary>
    public required string Resource { get; init; }

    public string? Deployment { get; init; }
    public long InputTokens { get; init; }
    public long CachedInputTokens { get; init; }
    public long OutputTokens { get; init; }
    public decimal Quantity { get; init; } = 1;
    public required decimal CostUsd { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The gateway key the usage came through, so key budgets can be summed after a restart.</summary>
    public string? ApiKeyId { get; init; }

    public string? SessionId { get; init; }

    /// <summary>The agent of the task, for agent budgets and cost by agent.</summary>
    public string? Agent { get; init; }
}
