namespace Keel.Routing;

/// <summary>The aliases a Keel instance serves.</summary>
public sealed class ModelCatalog
{
    private readonly Dictionary<string, ModelRoute> _routes;

    public ModelCatalog(IEnumerable<ModelRoute> routes)
    {
        _routes = routes.ToDictionary(r => r.Alias, StringComparer.Ordinal);
    }

    public IEnumerable<ModelRoute> Routes => _routes.Values;

    /// <exception cref="UnknownModelException">No route has this alias.</exception>
    public ModelRoute Resolve(string alias) =>
        _routes.TryGetValue(alias, out var route) ? route : throw new UnknownModelException(alias, _routes.Keys);
}
