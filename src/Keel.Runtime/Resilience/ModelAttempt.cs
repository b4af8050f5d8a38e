using Keel.Providers;
using Keel.Routing;
using Microsoft.Extensions.AI;

namespace Keel.Resilience;

/// <summary>One try of one deployment within a model call: what the trace shows for every retry and fallback.</summary>
public sealed class ModelAttempt
{
    public required Deployment Deployment { get; init; }

    /// <summary>1-based position among all attempts of the call.</summary>
    public required int Number { get; init; }

    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset EndedAt { get; internal set; }
    public ModelCallException? Error { get; internal set; }

    /// <summary>What the provider reported using; set on the attempt that succeeded.</summary>
    public UsageDetails? Usage { get; set; }

    /// <summary>The model the provider says answered, when it said.</summary>
    public string? ResponseModel { get; set; }

    /// <summary>The attempt never reached the provider: its circuit breaker was open.</summary>
    public bool Skipped => Error?.Kind == ModelErrorKind.CircuitOpen;

    public bool Succeeded { get; internal set; }
}
