namespace Keel.Server.Configuration;

/// <summary>
/// The gateway's configuration file (JSON or YAML, snake_case keys). `docs/gateway.md` and
/// `examples/keel.yaml` document every field.
/// </summary>
/// <remarks>
/// Settable rather than init-only: the source-generated reader (<see cref="GatewayConfigJson"/>) sets every init-only
/// property, so a field missing from the file would lose its default (dotnet/runtime#84484).
/// </remarks>
public sealed record GatewayConfig
{
    public ServerSection Server { get; set; } = new();
    public Dictionary<string, ProviderConfig> Providers { get; set; } = [];
    public Dictionary<string, DeploymentConfig> Deployments { get; set; } = [];
    public Dictionary<string, AliasConfig> Models { get; set; } = [];
    public RetryConfig Retry { get; set; } = new();
    public CircuitBreakerConfig CircuitBreaker { get; set; } = new();
}

public sealed record ServerSection
{
    /// <summary>Largest request body accepted; larger ones get 413.</summary>
    public long MaxBodyBytes { get; set; } = 4 * 1024 * 1024;
}

public sealed record ProviderConfig
{
    /// <summary>openai (any OpenAI-compatible HTTP API), anthropic, or simulated.</summary>
    public string Type { get; set; } = "";

    public string? BaseUrl { get; set; }

    /// <summary>The environment variable holding the provider's key; the key itself never sits in the file.</summary>
    public string? ApiKeyEnv { get; set; }

    /// <summary>Simulated providers: the seed of their random draws.</summary>
    public int Seed { get; set; }

    /// <summary>Simulated providers: median time to first token.</summary>
    public double LatencyMs { get; set; } = 120;

    public SimulatedFaultsConfig Faults { get; set; } = new();
}

public sealed record SimulatedFaultsConfig
{
    public double RateLimited { get; set; }
    public double ServerError { get; set; }
    public double Unavailable { get; set; }
    public double Timeout { get; set; }
    public double StreamCut { get; set; }
    public double RetryAfterMs { get; set; } = 200;
}

public sealed record DeploymentConfig
{
    public string Provider { get; set; } = "";

    /// <summary>The provider's model name; also the price table's key.</summary>
    public string Model { get; set; } = "";

    public int ContextWindow { get; set; } = 128_000;
    public int MaxOutputTokens { get; set; } = 4_096;
    public bool SupportsTools { get; set; } = true;

    /// <summary>For the weighted policy: this deployment's share of traffic, relative to the others'.</summary>
    public double Weight { get; set; } = 1;
}

public sealed record AliasConfig
{
    /// <summary>ordered, weighted, least_latency or cheapest.</summary>
    public string Policy { get; set; } = "ordered";

    public List<string> Deployments { get; set; } = [];

    /// <summary>
    /// Cost-aware routing: once a budget that applies to the caller is this full (0.8 = 80 %, counting calls in
    /// flight), the alias routes cheapest-first whatever its policy.
    /// </summary>
    public double? DegradeAt { get; set; }
}

public sealed record RetryConfig
{
    public int MaxRetries { get; set; } = 2;
    public double BaseDelayMs { get; set; } = 250;
    public double MaxRetryAfterMs { get; set; } = 10_000;
    public double AttemptTimeoutMs { get; set; } = 60_000;
}

public sealed record CircuitBreakerConfig
{
    public double FailureRatio { get; set; } = 0.5;
    public int MinimumThroughput { get; set; } = 20;
    public double SamplingMs { get; set; } = 30_000;
    public double BreakMs { get; set; } = 15_000;
}
