namespace Keel.Routing;

public sealed class UnknownModelException(string alias, IEnumerable<string> known)
    : InvalidOperationException($"The model '{alias}' does not exist. Known models: {string.Join(", ", known.Order(StringComparer.Ordinal))}.")
{
    public string Alias { get; } = alias;
}
