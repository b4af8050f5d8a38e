using Keel.Pricing;
using Keel.Routing;
using Keel.Server.Upstreams;

namespace Keel.Server.Routing;

/// <summary>A deployment as the gateway sees it: how to reach it, what it costs, what it can take.</summary>
public sealed record GatewayDeployment(Deployment Deployment, IUpstream Upstream, ModelPrice Price, double Weight, bool SupportsTools);

/// <summary>An alias and the policy that orders its deployments for each request.</summary>
/// <param name="DegradeAt">Budget pressure (0..1) from which the route goes cheapest-first; null never.</param>
public sealed record GatewayRoute(string Alias, RoutingPolicy Policy, IReadOnlyList<GatewayDeployment> Deployments, double? DegradeAt = null);

public enum RoutingPolicy
{
    /// <summary>In the listed order: the first is primary, the rest are fallbacks.</summary>
    Ordered,

    /// <summary>The first pick drawn by weight; the rest follow in listed order as fallbacks.</summary>
    Weighted,

    /// <summary>Fastest first, by a moving average of recent successful calls.</summary>
    LeastLatency,

    /// <summary>Cheapest first, by list price for this request's size.</summary>
    Cheapest,
}
