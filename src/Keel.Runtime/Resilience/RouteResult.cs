using Keel.Routing;

namespace Keel.Resilience;

/// <summary>A call over a route that succeeded, with every attempt it took to get there.</summary>
public sealed record RouteResult<T>(T Value, Deployment ServedBy, IReadOnlyList<ModelAttempt> Attempts, int Fallbacks)
{
    public int ProviderAttempts => Attempts.Count(a => !a.Skipped);
}
