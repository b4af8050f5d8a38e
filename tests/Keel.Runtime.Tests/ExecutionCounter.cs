namespace Keel.Runtime.Tests;

/// <summary>Counts how often named pieces of agent code really ran (as opposed to being replayed from the journal).</summary>
internal sealed class ExecutionCounter
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    public int this[string name]
    {
        get
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(name);
            }
        }
    }

    public void Add(string name)
    {
        lock (_counts)
        {
            _counts[name] = _counts.GetValueOrDefault(name) + 1;
        }
    }
}
