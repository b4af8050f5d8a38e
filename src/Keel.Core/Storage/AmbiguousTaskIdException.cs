namespace Keel.Storage;

public sealed class AmbiguousTaskIdException(string prefix)
    : InvalidOperationException($"Task id prefix '{prefix}' matches more than one task; give more of the id.")
{
    public string Prefix { get; } = prefix;
}
