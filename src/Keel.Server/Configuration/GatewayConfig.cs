namespace Keel.Server.Configuration;

/// <summary>
/// The gateway's configuration file (JSON or YAML, snake_case keys). `docs/gateway.md` and
/// `examples/keel.yaml` document every field.
/// </summary>
public sealed record GatewayConfig
{
    public ServerSection Server { get; init; } = new();
    public Dictionary<string, ProviderConfig> Providers { get; init; } = [];
    public Dictionary<string, DeploymentConfig> Deployments { get; init; } = [];
    public Dictionary<string, AliasConfig> Models { get; init; } = [];
    public RetryConfig Retry { get; init; } = new();
    public CircuitBreakerConfig CircuitBreaker { get; init; } = new();
}

public sealed record ServerSection
{
    /// <summary>Largest request body accepted; larger ones get 413.</summary>
    public long MaxBodyBytes { get; init; } = 4 * 1024 * 1024;
}

public sealed record ProviderConfig
{
    /// <summary>openai (any OpenAI-compatible HTTP API), anthropic, or simulated.</summary>
    public string Type { get; init; } = "";

    public string? BaseUrl { get; init; }

    /// <summary>The environment variable holding the provider's key; the key itself never sits in the file.</summary>
    public string? ApiKeyEnv { get; init; }

    /// <summary>Simulated providers: the seed of their random draws.</summary>
    public int Seed { get; init; }

    /// <summary>Simulated providers: median time to first token.</summary>
    public double LatencyMs { get; init; } = 120;

    public SimulatedFaultsConfig Faults { get; init; } = new();
}

public sealed record SimulatedFaultsConfig
{
    public double RateLimited { get; init; }
    public double ServerError { get; init; }
    public double Unavailable { get; init; }
    public double Timeout { get; init; }
    public double StreamCut { get; init; }
    public double RetryAfterMs { get; init; } = 200;
}

public sealed record DeploymentConfig
{
    public string Provider { get; init; } = "";

    /// <summary>The provider's model name; also the price table's key.</summary>
    public string Model { get; init; } = "";

    public int ContextWindow { get; init; } = 128_000;
    public int MaxOutputTokens { get; init; } = 4_096;
    public bool SupportsTools { get; init; } = true;

    /// <summary>For the weighted policy: this deployment's share of traffic, relative to the others'.</summary>
    public double Weight { get; init; } = 1;
}

public sealed record AliasConfig
{
    /// <summary>ordered, weighted, least_latency or cheapest.</summary>
    public string Policy { get; init; } = "ordered";

    public List<string> Deployments { get; init; } = [];

    /// <summary>
    /// Cost-aware routing: once a budget that applies to the caller is this full (0.8 = 80 %, counting calls in
    /// flight), the alias routes cheapest-first whatever its policy.
    /// </summary>
    public double? DegradeAt { get; init; }
}

public sealed record RetryConfig
{
    public int MaxRetries { get; init; } = 2;
    public double BaseDelayMs { get; init; } = 250;
    public double MaxRetryAfterMs { get; init; } = 10_000;
    public double AttemptTimeoutMs { get; init; } = 60_000;
}

public sealed record CircuitBreakerConfig
{
    public double FailureRatio { get; init; } = 0.5;
    public int MinimumThroughput { get; init; } = 20;
    public double SamplingMs { get; init; } = 30_000;
    public double BreakMs { get; init; } = 15_000;
}
