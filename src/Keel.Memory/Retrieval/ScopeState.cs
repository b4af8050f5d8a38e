namespace Keel.Memory.Retrieval;

/// <summary>
/// What search needs of one scope in memory: its memories (current ones, or what a history filter selected), their
/// vectors and their order within each session (for neighbours). Built from the store on first search, kept up to
/// date by the service's own writes and refreshed incrementally by <see cref="ScopeCache"/>. Every member locks, so
/// searches and writes may overlap; the approximate index is built on the pool, outside the lock, while searches
/// scan exactly.
/// </summary>
internal sealed class ScopeState : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, MemoryRecord> _records = [];
    private readonly VectorSet _vectors;
    private readonly ApproximateIndexOptions? _indexing;
    private readonly CancellationTokenSource _disposed = new();
    private Dictionary<long, (List<long> Thread, int Position)>? _layout;
    private Task _indexBuild = Task.CompletedTask;

    // Keys this service wrote while a refresh was reading the store: the refresh's older read must not undo them.
    private HashSet<long>? _touched;

    // How many memories each speaker has (see Speakers.Of), for finding the speakers a query names.
    private readonly Dictionary<string, int> _speakers = new(StringComparer.Ordinal);

    /// <param name="indexing">How to build (and save) the approximate index; null for a state that is not kept, which only scans.</param>
    public ScopeState(MemoryScope scope, DateTimeOffset loadedAt, int approximateThreshold, ApproximateIndexOptions? indexing = null)
    {
        Scope = scope;
        RefreshedAt = loadedAt;
        _vectors = new VectorSet(approximateThreshold);
        _indexing = indexing;
    }

    public MemoryScope Scope { get; }

    /// <summary>When the store was last read into it (its first load or last refresh).</summary>
    public DateTimeOffset RefreshedAt { get; set; }

    public DateTimeOffset LastUsed { get; set; }

    /// <summary>Set when writes made it out of date (a supersession): refreshed on its next search, which it still answers.</summary>
    public bool RefreshDue { get; set; }

    /// <summary>Whether the approximate index came from a saved file (tests, diagnostics).</summary>
    public bool IndexLoadedFromFile { get; private set; }

    /// <summary>The approximate index build in flight, or a completed task.</summary>
    public Task IndexBuild
    {
        get
        {
            lock (_gate)
            {
                return _indexBuild;
            }
        }
    }

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
            _touched?.Add(memory.Key);
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
                _touched?.Add(key);
                if (_records.Remove(key, out var removed))
                {
                    CountSpeaker(removed, -1);
                    _vectors.Remove(key);
                    _layout = null;
                }
            }
        }
    }

    /// <summary>Starts the approximate index build on the pool when the scope is large enough and has none.</summary>
    public void EnsureIndex()
    {
        lock (_gate)
        {
            if (_indexing is null || !_vectors.WantsIndex)
            {
                return;
            }

            var vectors = _vectors.BeginBuild();
            _indexBuild = Task.Run(() => BuildIndexAsync(vectors, _indexing, _disposed.Token), CancellationToken.None);
        }
    }

    private async Task BuildIndexAsync(List<(long Key, float[] Vector)> vectors, ApproximateIndexOptions indexing, CancellationToken cancellationToken)
    {
        ApproximateIndex? index = null;
        try
        {
            if (indexing.BuildGate is { } gate)
            {
                await gate(cancellationToken).ConfigureAwait(false);
            }

            var fromFile = false;
            var changed = vectors.Count;
            if (indexing.Files?.TryLoad(Scope, vectors[0].Vector.Length) is { } saved)
            {
                var keys = vectors.Select(v => v.Key).ToHashSet();
                var missing = vectors.FindAll(v => !saved.Keys.Contains(v.Key));
                var gone = saved.Keys.Where(k => !keys.Contains(k)).ToList();
                changed = missing.Count + gone.Count;
                if (changed <= Math.Max(1_000, vectors.Count / 2))
                {
                    index = saved.Index;
                    fromFile = true;
                    foreach (var key in gone)
                    {
                        index.Remove(key);
                    }

                    index.AddMany(missing, indexing.BuildThreads, cancellationToken);
                    if (gone.Count > 0)
                    {
                        // Some saved vectors are no longer current, perhaps forgotten (retention forgets without this
                        // process knowing): the file is dropped rather than kept holding them.
                        indexing.Files.DeleteCustomer(Scope.CustomerId);
                    }
                }
                else
                {
                    saved.Index.Dispose();
                }
            }

            index ??= ApproximateIndex.Build(vectors, indexing.BuildThreads, cancellationToken);
            if (indexing.Files is not null && index.Removals == 0 && (!fromFile || changed > vectors.Count / 10))
            {
                indexing.Files.TrySave(Scope, index, [.. vectors.Select(v => v.Key)]);
            }

            lock (_gate)
            {
                IndexLoadedFromFile = fromFile;
                _vectors.CompleteBuild(index);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or Cloud.Unum.USearch.USearchException or IOException or InvalidOperationException)
        {
            // The scope keeps scanning exactly; the next refresh tries again.
            index?.Dispose();
            lock (_gate)
            {
                _vectors.CompleteBuild(null);
            }
        }
    }

    /// <summary>Starts a refresh: from now until <see cref="EndRefresh"/>, this service's writes win over what the refresh read.</summary>
    public void BeginRefresh()
    {
        lock (_gate)
        {
            _touched = [];
        }
    }

    public void EndRefresh(DateTimeOffset refreshedAt)
    {
        lock (_gate)
        {
            _touched = null;
            RefreshedAt = refreshedAt;
        }
    }

    /// <summary>
    /// Makes the memories those of <paramref name="current"/> (the scope's current memories, read after
    /// <see cref="BeginRefresh"/>): drops the ones no longer there, adds the new ones.
    /// </summary>
    /// <returns>The memories added, which still need their vectors (<see cref="AddVectors"/>).</returns>
    public List<MemoryRecord> Reconcile(IReadOnlyList<MemoryRecord> current)
    {
        var currentKeys = current.Select(m => m.Key).ToHashSet();
        List<long> gone;
        lock (_gate)
        {
            gone = [.. _records.Keys.Where(k => !currentKeys.Contains(k) && _touched?.Contains(k) != true)];
        }

        foreach (var chunk in gone.Chunk(256))
        {
            Remove(chunk);
        }

        var added = new List<MemoryRecord>();
        lock (_gate)
        {
            foreach (var memory in current)
            {
                if (!_records.ContainsKey(memory.Key) && _touched?.Contains(memory.Key) != true)
                {
                    _records[memory.Key] = memory;
                    CountSpeaker(memory, 1);
                    added.Add(memory);
                }
            }

            if (added.Count > 0)
            {
                _layout = null;
            }
        }

        return added;
    }

    /// <summary>Adds vectors of memories it holds that have none yet (a refresh's new memories).</summary>
    public void AddVectors(IEnumerable<(long Key, float[] Vector)> vectors)
    {
        lock (_gate)
        {
            foreach (var (key, vector) in vectors)
            {
                if (_records.ContainsKey(key) && !_vectors.Contains(key))
                {
                    _vectors.Add(key, vector);
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
        // The token source is not disposed: a build in flight may still be reading its token.
        _disposed.Cancel();
        lock (_gate)
        {
            _vectors.Dispose();
        }
    }
}
