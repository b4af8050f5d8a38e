using System.Numerics.Tensors;

namespace Keel.Memory.Retrieval;

/// <summary>
/// A scope's embeddings in memory: an exact scan (SIMD dot products, a bounded heap for the top k) until the scope
/// reaches the approximate threshold and its HNSW index is ready, then the index. The index is built outside any
/// lock (<see cref="BeginBuild"/>, <see cref="CompleteBuild"/>): while it builds, searches scan exactly and writes
/// are logged, then replayed on it. Vectors are kept normalised, so a dot product is their cosine. Not
/// thread-safe: its <see cref="ScopeState"/> locks around it.
/// </summary>
internal sealed class VectorSet : IDisposable
{
    private readonly Dictionary<long, float[]> _vectors = [];
    private readonly int _approximateThreshold;
    private ApproximateIndex? _index;

    // Writes while a build is in flight (a null vector is a removal), replayed on the index it installs.
    private List<(long Key, float[]? Vector)>? _sinceBuild;
    private bool _disposed;

    public VectorSet(int approximateThreshold) => _approximateThreshold = approximateThreshold;

    public int Count => _vectors.Count;

    public bool Approximate => _index is not null;

    /// <summary>Large enough for an index and none is built or building.</summary>
    public bool WantsIndex => _index is null && _sinceBuild is null && !_disposed && _vectors.Count > 0 && _vectors.Count >= _approximateThreshold;

    public static float[] Normalised(ReadOnlySpan<float> vector)
    {
        var copy = vector.ToArray();
        var norm = TensorPrimitives.Norm(copy);
        if (norm > 0)
        {
            TensorPrimitives.Divide(copy, norm, copy);
        }

        return copy;
    }

    public void Add(long key, float[] normalised)
    {
        if (_vectors.Count > 0 && _vectors.Values.First().Length != normalised.Length)
        {
            throw new InvalidOperationException($"A {normalised.Length}-d embedding cannot join a scope of {_vectors.Values.First().Length}-d ones: was the embedding model changed?");
        }

        _vectors[key] = normalised;
        _index?.Add(key, normalised);
        _sinceBuild?.Add((key, normalised));
    }

    public bool Contains(long key) => _vectors.ContainsKey(key);

    public void Remove(long key)
    {
        if (_vectors.Remove(key))
        {
            _index?.Remove(key);
            _sinceBuild?.Add((key, null));
        }
    }

    /// <summary>Starts a build: the vectors to index (the arrays are never changed, so they may be read outside the lock).</summary>
    public List<(long Key, float[] Vector)> BeginBuild()
    {
        _sinceBuild = [];
        return [.. _vectors.Select(v => (v.Key, v.Value))];
    }

    /// <summary>Installs a built index after replaying the writes made since <see cref="BeginBuild"/>; null abandons the build.</summary>
    public void CompleteBuild(ApproximateIndex? index)
    {
        var since = _sinceBuild ?? [];
        _sinceBuild = null;
        if (index is null)
        {
            return;
        }

        if (_disposed)
        {
            index.Dispose();
            return;
        }

        foreach (var (key, vector) in since)
        {
            if (vector is null)
            {
                index.Remove(key);
            }
            else
            {
                index.Add(key, vector);
            }
        }

        _index?.Dispose();
        _index = index;
    }

    /// <summary>Builds the index here and now (tests, and callers that can afford to wait).</summary>
    public void BuildIndex(int threads = 1)
    {
        var vectors = BeginBuild();
        CompleteBuild(vectors.Count == 0 ? null : ApproximateIndex.Build(vectors, threads, CancellationToken.None));
    }

    /// <summary>The <paramref name="count"/> most similar vectors that <paramref name="keep"/> accepts, best first.</summary>
    public List<(long Key, double Similarity)> Search(float[] query, int count, Func<long, bool>? keep)
    {
        if (_index is not null)
        {
            // Ask for more when a filter will throw some out; when it throws out too many, scan exactly.
            var asked = keep is null ? count : count * 4;
            var (keys, distances) = _index.Search(query, Math.Min(asked, _vectors.Count));
            var found = new List<(long, double)>(count);
            for (var i = 0; i < keys.Length && found.Count < count; i++)
            {
                var key = (long)keys[i];
                if (keep is null || keep(key))
                {
                    found.Add((key, 1 - distances[i]));
                }
            }

            if (found.Count >= count || keep is null)
            {
                return found;
            }
        }

        return Scan(query, count, keep);
    }

    private List<(long Key, double Similarity)> Scan(float[] query, int count, Func<long, bool>? keep)
    {
        if (count <= 0)
        {
            return [];
        }

        // Partial selection: a min-heap of the best k so far, so a scan costs n dot products and few heap moves.
        var best = new PriorityQueue<long, float>(count + 1);
        var worst = float.NegativeInfinity;
        foreach (var (key, vector) in _vectors)
        {
            var similarity = TensorPrimitives.Dot(query, vector);
            if (best.Count == count && similarity <= worst)
            {
                continue;
            }

            if (keep is not null && !keep(key))
            {
                continue;
            }

            if (best.Count < count)
            {
                best.Enqueue(key, similarity);
            }
            else
            {
                best.DequeueEnqueue(key, similarity);
            }

            if (best.Count == count)
            {
                best.TryPeek(out _, out worst);
            }
        }

        var found = new List<(long Key, double Similarity)>(best.Count);
        while (best.TryDequeue(out var key, out var similarity))
        {
            found.Add((key, similarity));
        }

        found.Reverse();
        return found;
    }

    /// <summary>
    /// Frees the native index. A search still holding this set (its scope was just dropped) then scans exactly:
    /// slower once, never wrong. A build in flight is disposed when it completes.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        _index?.Dispose();
        _index = null;
    }
}
