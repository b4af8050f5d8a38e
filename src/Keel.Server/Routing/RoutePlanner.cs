using Keel.Server.Wire;

namespace Keel.Server.Routing;

/// <summary>
/// Orders a route's deployments for one request: capability filters first (tools, context window), then the
/// route's policy. The order is the fallback chain the resilient caller walks.
/// </summary>
public sealed class RoutePlanner(LatencyTracker latency)
{
    /// <param name="degrade">A budget is near its limit: order cheapest-first whatever the route's policy.</param>
    public IReadOnlyList<GatewayDeployment> Plan(GatewayRoute route, ChatCompletionRequest request, bool degrade = false)
    {
        var promptTokens = request.EstimatedPromptTokens();
        bool Fits(GatewayDeployment d) => (!request.HasTools || d.SupportsTools) && promptTokens <= d.Deployment.ContextWindow;

        // Usually every deployment fits: then the route's own list serves, with nothing built per request.
        IReadOnlyList<GatewayDeployment> capable = route.Deployments.All(Fits) ? route.Deployments : [.. route.Deployments.Where(Fits)];
        if (capable.Count == 0)
        {
            // Nothing fits on paper; let the providers say so in their own words rather than guess.
            capable = route.Deployments;
        }

        var outputTokens = request.MaxTokens ?? 1_000;
        return (degrade ? RoutingPolicy.Cheapest : route.Policy) switch
        {
            RoutingPolicy.Weighted => Weighted(capable),
            RoutingPolicy.LeastLatency => [.. capable.OrderBy(d => latency.AverageMs(d.Deployment.Name))],
            RoutingPolicy.Cheapest => [.. capable.OrderBy(d => d.Price.Cost(promptTokens, 0, outputTokens))],
            _ => capable,
        };
    }

    private static List<GatewayDeployment> Weighted(IReadOnlyList<GatewayDeployment> deployments)
    {
        var total = deployments.Sum(d => d.Weight);
        if (total <= 0)
        {
            return [.. deployments];
        }

        var draw = Random.Shared.NextDouble() * total;
        var pick = deployments[^1];
        foreach (var deployment in deployments)
        {
            draw -= deployment.Weight;
            if (draw < 0)
            {
                pick = deployment;
                break;
            }
        }

        return [pick, .. deployments.Where(d => d != pick)];
    }
}
