using Microsoft.Extensions.AI;

namespace Keel.Routing;

/// <summary>One place a model can be called: a provider client, the model it serves, and that model's limits.</summary>
public sealed record Deployment
{
    public required string Name { get; init; }

    /// <summary>The provider's model name: sent upstream, and the key of the price table.</summary>
    public required string Model { get; init; }

    /// <summary>The OpenTelemetry <c>gen_ai.provider.name</c>: openai, anthropic, simulated.</summary>
    public required string Provider { get; init; }

    public required IChatClient Client { get; init; }

    public int ContextWindow { get; init; } = 128_000;

    /// <summary>Output tokens allowed when a request sets none; the worst case a budget reserves for.</summary>
    public int MaxOutputTokens { get; init; } = 4_096;
}
