using Keel.Routing;
using Microsoft.Extensions.AI;

namespace Keel.Resilience;

/// <summary>A model call that succeeded, with every attempt it took to get there.</summary>
public sealed record ModelCallResult(ChatResponse Response, Deployment ServedBy, IReadOnlyList<ModelAttempt> Attempts, int Fallbacks)
{
    public int ProviderAttempts => Attempts.Count(a => !a.Skipped);
}
