namespace Keel.Resilience;

/// <summary>How hard Keel tries one deployment before falling back to the next.</summary>
public sealed record ResilienceOptions
{
    /// <summary>Retries on the same deployment after its first attempt (429, 5xx, timeouts, cut connections).</summary>
    public int MaxRetries { get; init; } = 2;

    /// <summary>First backoff; it doubles per retry, with jitter.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The longest Retry-After Keel waits out. A deployment asking for longer is left for the next one instead.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Deadline of one attempt.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public CircuitBreakerOptions CircuitBreaker { get; init; } = new();
}

/// <summary>When a deployment is taken out of rotation after failing too often.</summary>
public sealed record CircuitBreakerOptions
{
    public double FailureRatio { get; init; } = 0.5;
    public int MinimumThroughput { get; init; } = 20;
    public TimeSpan SamplingDuration { get; init; } = TimeSpan.FromSeconds(30);
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(15);
}
