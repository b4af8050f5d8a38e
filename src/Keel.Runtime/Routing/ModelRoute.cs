namespace Keel.Routing;

/// <summary>A model alias clients ask for, and the deployments that serve it, in fallback order.</summary>
public sealed record ModelRoute(string Alias, IReadOnlyList<Deployment> Deployments);
