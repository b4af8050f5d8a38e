using System.Numerics.Tensors;
using Cloud.Unum.USearch;

namespace Keel.Memory.Retrieval;

/// <summary>
/// A scope's embeddings in memory: an exact scan while the scope is small, an HNSW index (USearch, cosine) once it
/// reaches the approximate threshold. Vectors are kept normalised, so a dot product is their cosine. Not
/// thread-safe: its <see cref="ScopeState"/> locks around it.
/// </summary>
internal sealed class VectorSet : IDisposable
{
    private readonly Dictionary<long, float[]> _vectors = [];
    private readonly int _approximateThreshold;
    private USearchIndex? _index;
    private bool _disposed;

    public VectorSet(int approximateThreshold) => _approximateThreshold = approximateThreshold;

    public int Count => _vectors.Count;

    public bool Approximate => _index is not null;

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

        if (_index is not null && _vectors.ContainsKey(key))
        {
            _index.Remove((ulong)key);
        }

        _vectors[key] = normalised;
        if (_index is not null)
        {
            _index.Add((ulong)key, normalised);
        }
        else if (_vectors.Count >= _approximateThreshold && !_disposed)
        {
            BuildIndex();
        }
    }

    public void Remove(long key)
    {
        if (_vectors.Remove(key))
        {
            _index?.Remove((ulong)key);
        }
    }

    /// <summary>The <paramref name="count"/> most similar vectors that <paramref name="keep"/> accepts, best first.</summary>
    public List<(long Key, double Similarity)> Search(float[] query, int count, Func<long, bool>? keep)
    {
        if (_index is not null)
        {
            // Ask for more when a filter will throw some out; when it throws out too many, scan exactly.
            var asked = keep is null ? count : count * 4;
            _index.Search(query, Math.Min(asked, _vectors.Count), out var keys, out var distances);
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
        var best = new PriorityQueue<long, double>(count + 1);
        foreach (var (key, vector) in _vectors)
        {
            if (keep is not null && !keep(key))
            {
                continue;
            }

            double similarity = TensorPrimitives.Dot(query, vector);
            if (best.Count < count)
            {
                best.Enqueue(key, similarity);
            }
            else if (best.TryPeek(out _, out var worst) && similarity > worst)
            {
                best.DequeueEnqueue(key, similarity);
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

    private void BuildIndex()
    {
        var dimensions = (ulong)_vectors.Values.First().Length;
        _index = new USearchIndex(MetricKind.Cos, ScalarKind.Float32, dimensions, connectivity: 16, expansionAdd: 128, expansionSearch: 256);
        foreach (var (key, vector) in _vectors)
        {
            _index.Add((ulong)key, vector);
        }
    }

    /// <summary>
    /// Frees the native index. A search still holding this set (its scope was just reloaded) then scans exactly:
    /// slower once, never wrong.
    /// </summary>
    public void Dispose()
    {
        _disposed = true;
        _index?.Dispose();
        _index = null;
    }
}
