namespace Keel.Providers.Simulated;

/// <summary>How a simulated deployment behaves: its model, window, speed and faults.</summary>
public sealed record SimulatedModelOptions
{
    /// <summary>The model name reported in responses and used for pricing.</summary>
    public string Model { get; init; } = "sim-fast";

    /// <summary>Prompts above this many tokens fail with a context-length error, as hosted models do.</summary>
    public int ContextWindow { get; init; } = 128_000;

    /// <summary>Output tokens when a request sets no limit of its own.</summary>
    public int MaxOutputTokens { get; init; } = 4_096;

    /// <summary>Mixed into every random draw: the same seed and the same requests give the same run.</summary>
    public int Seed { get; init; }

    public LatencyModel Latency { get; init; } = new();

    public FaultRates Faults { get; init; } = new();
}

/// <summary>
/// Time to first token drawn from a log-normal distribution (hosted models' latency is right-skewed), plus a
/// fixed time per output token.
/// </summary>
public sealed record LatencyModel
{
    public double MedianMs { get; init; } = 120;

    /// <summary>Spread of the log-normal; 0.5 puts p95 at about 2.3x the median.</summary>
    public double Sigma { get; init; } = 0.5;

    public double PerOutputTokenMs { get; init; } = 1;

    public static LatencyModel None { get; } = new() { MedianMs = 0, Sigma = 0, PerOutputTokenMs = 0 };

    public TimeSpan TimeToFirstToken(Random random)
    {
        if (MedianMs <= 0)
        {
            return TimeSpan.Zero;
        }

        // Box-Muller: a standard normal from two uniforms.
        var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        return TimeSpan.FromMilliseconds(MedianMs * Math.Exp(Sigma * normal));
    }

    public TimeSpan Generation(int outputTokens) => TimeSpan.FromMilliseconds(PerOutputTokenMs * outputTokens);
}

/// <summary>Probabilities (0..1) of each injected fault, drawn independently per attempt.</summary>
public sealed record FaultRates
{
    /// <summary>429 with a Retry-After of <see cref="RetryAfter"/>.</summary>
    public double RateLimited { get; init; }

    /// <summary>500 Internal Server Error.</summary>
    public double ServerError { get; init; }

    /// <summary>503 Service Unavailable.</summary>
    public double Unavailable { get; init; }

    /// <summary>The call hangs until the caller's deadline.</summary>
    public double Timeout { get; init; }

    /// <summary>A stream that starts and then breaks off before its end.</summary>
    public double StreamCut { get; init; }

    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromMilliseconds(200);

    public static FaultRates None { get; } = new();
}
