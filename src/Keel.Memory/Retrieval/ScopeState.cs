namespace Keel.Memory.Retrieval;

/// <summary>
/// What search needs of one scope in memory: its memories (current ones, or what a history filter selected), their
/// vectors and their order within each session (for neighbours). Built from the store on first search, then kept
/// up to date by the service's own writes. Every member locks, so searches and writes may overlap.
/// </summary>
internal sealed class ScopeState : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, MemoryRecord> _records = [];
    private readonly VectorSet _vectors;
    private Dictionary<long, (List<long> Thread, int Position)>? _layout;

    public ScopeState(MemoryScope scope, DateTimeOffset loadedAt, int approximateThreshold)
    {
        Scope = scope;
        LoadedAt = loadedAt;
        _vectors = new VectorSet(approximateThreshold);
    }

    public MemoryScope Scope { get; }

    public DateTimeOffset LoadedAt { get; }

    public DateTimeOffset LastUsed { get; set; }

    /// <summary>Set when writes made it wrong (a supersession during its load): read again before use.</summary>
    public bool Stale { get; set; }

    public bool Approximate
    {
        get
        {
            lock (_gate)
            {
                return _vectors.Approximate;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _records.Count;
            }
        }
    }

    public void Add(MemoryRecord memory, float[]? normalisedVector)
    {
        lock (_gate)
        {
            _records[memory.Key] = memory;
            if (normalisedVector is not null)
            {
                _vectors.Add(memory.Key, normalisedVector);
            }

            _layout = null;
        }
    }

    public void AddVector(long key, float[] normalisedVector)
    {
        lock (_gate)
        {
            if (_records.ContainsKey(key))
            {
                _vectors.Add(key, normalisedVector);
            }
        }
    }

    public void Remove(IEnumerable<long> keys)
    {
        lock (_gate)
        {
            foreach (var key in keys)
            {
                if (_records.Remove(key))
                {
                    _vectors.Remove(key);
                    _layout = null;
                }
            }
        }
    }

    public MemoryRecord? Get(long key)
    {
        lock (_gate)
        {
            return _records.GetValueOrDefault(key);
        }
    }

    public List<(long Key, double Similarity)> SearchVectors(float[] query, int count, Func<MemoryRecord, bool>? keep)
    {
        lock (_gate)
        {
            return _vectors.Search(query, count, keep is null ? null : key => _records.TryGetValue(key, out var m) && keep(m));
        }
    }

    /// <summary>The memories up to <paramref name="distance"/> places before and after one in its session, nearest first (before, then after).</summary>
    public List<MemoryRecord> Neighbours(long key, int distance)
    {
        lock (_gate)
        {
            var found = new List<MemoryRecord>();
            if (Layout().TryGetValue(key, out var place))
            {
                for (var d = 1; d <= distance; d++)
                {
                    if (place.Position - d >= 0)
                    {
                        found.Add(_records[place.Thread[place.Position - d]]);
                    }

                    if (place.Position + d < place.Thread.Count)
                    {
                        found.Add(_records[place.Thread[place.Position + d]]);
                    }
                }
            }

            return found;
        }
    }

    private Dictionary<long, (List<long> Thread, int Position)> Layout()
    {
        if (_layout is not null)
        {
            return _layout;
        }

        var layout = new Dictionary<long, (List<long>, int)>(_records.Count);
        foreach (var thread in _records.Values.Where(m => MemoryOrder.Thread(m) is not null).GroupBy(MemoryOrder.Thread))
        {
            var keys = thread.Order(MemoryOrder.Instance).Select(m => m.Key).ToList();
            for (var i = 0; i < keys.Count; i++)
            {
                layout[keys[i]] = (keys, i);
            }
        }

        return _layout = layout;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _vectors.Dispose();
        }
    }
}
