using System.Reflection;
using Cloud.Unum.USearch;

namespace Keel.Memory.Retrieval;

/// <summary>
/// A USearch HNSW index (cosine, M 16, ef 128/256) over normalised vectors, keyed by memory key. Built with one add
/// per thread in parallel after reserving its whole capacity up front: the binding's own <c>Add</c> reserves one
/// more slot whenever it is full, which reallocates on every insert and made a 100,000-vector build take minutes.
/// Vectors are held as half floats: half the memory and twice the build speed of single floats, with the same top
/// ten on MiniLM vectors (int8 lost ~9 % recall@10). Not thread-safe for writes: its owner serialises them.
/// </summary>
internal sealed class ApproximateIndex : IDisposable
{
    public const ulong Connectivity = 16;
    public const ulong ExpansionAdd = 128;
    public const ulong ExpansionSearch = 256;
    public const ScalarKind Quantization = ScalarKind.Float16;

    // USearchIndex.IncreaseCapacity(ulong more) reserves Size() + more; private in 2.26.6, so found by name. Without
    // it adds still work, one reallocation each.
    private static readonly MethodInfo? IncreaseCapacity =
        typeof(USearchIndex).GetMethod("IncreaseCapacity", BindingFlags.NonPublic | BindingFlags.Instance, [typeof(ulong)]);

    private readonly USearchIndex _index;

    private ApproximateIndex(USearchIndex index, int dimensions)
    {
        _index = index;
        Dimensions = dimensions;
    }

    public int Dimensions { get; }

    public int Count => (int)_index.Size();

    /// <summary>How many vectors were removed since it was built or loaded: a saved copy would still hold their data.</summary>
    public int Removals { get; private set; }

    public static ApproximateIndex Create(int dimensions)
    {
        var index = new USearchIndex(MetricKind.Cos, Quantization, (ulong)dimensions, Connectivity, ExpansionAdd, ExpansionSearch);
        USearchNative.Configure(index, ExpansionAdd, ExpansionSearch, Environment.ProcessorCount);
        return new ApproximateIndex(index, dimensions);
    }

    /// <summary>Builds an index of <paramref name="vectors"/> with up to <paramref name="threads"/> threads adding at once.</summary>
    public static ApproximateIndex Build(IReadOnlyList<(long Key, float[] Vector)> vectors, int threads, CancellationToken cancellationToken)
    {
        var index = Create(vectors.Count > 0 ? vectors[0].Vector.Length : 1);
        try
        {
            index.AddMany(vectors, threads, cancellationToken);
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>Reads an index saved by <see cref="Save"/>; throws when the file is not one.</summary>
    public static ApproximateIndex Load(string path)
    {
        var index = new USearchIndex(path, view: false);
        try
        {
            // A loaded index has the default expansions, not those it was built with.
            USearchNative.Configure(index, ExpansionAdd, ExpansionSearch, Environment.ProcessorCount);
            return new ApproximateIndex(index, (int)index.Dimensions());
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    public void Save(string path) => _index.Save(path);

    public bool Contains(long key) => _index.Contains((ulong)key);

    /// <summary>Adds vectors whose keys are not in the index yet, in parallel.</summary>
    public void AddMany(IReadOnlyList<(long Key, float[] Vector)> vectors, int threads, CancellationToken cancellationToken)
    {
        Reserve(vectors.Count);
        var degree = Math.Clamp(threads, 1, Math.Max(1, Environment.ProcessorCount));
        Parallel.For(0, degree, new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = cancellationToken }, worker =>
        {
            for (var i = worker; i < vectors.Count; i += degree)
            {
                if ((i & 1023) == worker)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                _index.Add((ulong)vectors[i].Key, vectors[i].Vector);
            }
        });
    }

    /// <summary>Adds or replaces one vector.</summary>
    public void Add(long key, float[] vector)
    {
        Remove(key);
        Reserve(1);
        _index.Add((ulong)key, vector);
    }

    public void Remove(long key)
    {
        if (_index.Remove((ulong)key) > 0)
        {
            Removals++;
        }
    }

    /// <summary>The <paramref name="count"/> nearest keys with their cosine similarity, best first.</summary>
    public (ulong[] Keys, float[] Distances) Search(float[] query, int count)
    {
        _index.Search(query, Math.Max(1, count), out var keys, out var distances);
        return (keys, distances);
    }

    private void Reserve(int more)
    {
        var size = _index.Size();
        if (IncreaseCapacity is null || _index.Capacity() >= size + (ulong)more)
        {
            return;
        }

        // Grow by half at least, so a stream of single adds reallocates rarely.
        IncreaseCapacity.Invoke(_index, [Math.Max((ulong)more, (size / 2) + 64)]);
    }

    public void Dispose() => _index.Dispose();
}
