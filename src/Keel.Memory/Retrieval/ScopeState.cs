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

    // How many memories each speaker has (see Speakers.Of), for finding the speakers a query names.
    private readonly Dictionary<string, int> _speakers = new(StringComparer.Ordinal);

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
            if (_records.TryGetValue(memory.Key, out var replaced))
            {
                CountSpeaker(replaced, -1);
            }

            _records[memory.Key] = memory;
            CountSpeaker(memory, 1);
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
                if (_records.Remove(key, out var removed))
                {
                    CountSpeaker(removed, -1);
                    _vectors.Remove(key);
                    _layout = null;
                }
            }
        }
    }

    /// <summary>The speakers of this scope's memories whose whole name is among the query's words (see <see cref="Speakers"/>).</summary>
    public HashSet<string> SpeakersNamedIn(List<QueryWord> queryWords)
    {
        var named = new HashSet<string>(StringComparer.Ordinal);
        if (queryWords.Count == 0)
        {
            return named;
        }

        lock (_gate)
        {
            foreach (var speaker in _speakers.Keys)
            {
                if (Speakers.Named(speaker, queryWords))
                {
                    named.Add(speaker);
                }
            }
        }

        return named;
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

    private void CountSpeaker(MemoryRecord memory, int change)
    {
        if (Speakers.Of(memory.Text) is { } speaker)
        {
            var count = _speakers.GetValueOrDefault(speaker) + change;
            if (count > 0)
            {
                _speakers[speaker] = count;
            }
            else
            {
                _speakers.Remove(speaker);
            }
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
