using System.Numerics.Tensors;
using Keel.Memory.Retrieval;
using Xunit;

namespace Keel.Memory.Tests;

public sealed class ApproximateIndexTests
{
    [Fact]
    public void The_approximate_index_agrees_with_the_exact_scan_on_the_top_ten()
    {
        var random = new Random(7);
        using var exact = new VectorSet(approximateThreshold: int.MaxValue);
        using var approximate = new VectorSet(approximateThreshold: 500);
        for (var key = 1L; key <= 5_000; key++)
        {
            var vector = Clustered(random);
            exact.Add(key, vector);
            approximate.Add(key, vector);
        }

        approximate.BuildIndex(threads: 2);

        Assert.False(exact.Approximate);
        Assert.True(approximate.Approximate);
        var overlap = 0;
        for (var q = 0; q < 50; q++)
        {
            var query = Clustered(random);
            var truth = exact.Search(query, 10, null).Select(h => h.Key).ToHashSet();
            var found = approximate.Search(query, 10, null);
            Assert.Equal(10, found.Count);
            overlap += found.Count(h => truth.Contains(h.Key));
        }

        // HNSW is approximate: at least 95% of the exact top ten on average.
        Assert.True(overlap >= 475, $"overlap {overlap} of 500");
    }

    [Fact]
    public void A_removed_vector_leaves_the_approximate_index()
    {
        var random = new Random(3);
        using var set = new VectorSet(approximateThreshold: 100);
        var vectors = new Dictionary<long, float[]>();
        for (var key = 1L; key <= 300; key++)
        {
            set.Add(key, vectors[key] = Clustered(random));
        }

        set.BuildIndex();

        Assert.Equal(42, set.Search(vectors[42], 1, null)[0].Key);
        set.Remove(42);

        Assert.DoesNotContain(set.Search(vectors[42], 20, null), h => h.Key == 42);
        Assert.Equal(299, set.Count);
    }

    [Fact]
    public async Task A_large_scope_is_searched_approximately_and_forgetting_removes_from_the_index()
    {
        await using var kit = await RetrievalKit.CreateAsync(new MemoryOptions { ApproximateThreshold = 40 }, TestContext.Current.CancellationToken);
        var ct = TestContext.Current.CancellationToken;
        var scope = RetrievalKit.Scope();
        var written = await kit.Memory.AddAsync([.. Enumerable.Range(0, 60).Select(i => new NewMemory(scope, MemoryKind.Semantic, $"Reminder number {i}: water the plants in room {i}."))], ct);
        var target = await kit.Memory.AddAsync(new NewMemory(scope, MemoryKind.Semantic, "The spare key is hidden under the blue flower pot."), ct);

        // The first search scans exactly while the index builds in the background.
        var first = await kit.Memory.SearchAsync(new MemoryQuery(new MemoryFilter(scope), "where is the spare key hidden", 3), ct);
        Assert.Equal(target.Memory.Id, first.Hits[0].Memory.Id);
        await ScopeCacheTests.CacheOf(kit.Memory).Cached(scope)!.IndexBuild.WaitAsync(ct);

        var found = await kit.Memory.SearchAsync(new MemoryQuery(new MemoryFilter(scope), "where is the spare key hidden", 3), ct);
        Assert.True(found.Approximate);
        Assert.Equal(target.Memory.Id, found.Hits[0].Memory.Id);

        await kit.Memory.ForgetAsync(new MemoryForgetRequest(scope) { Ids = [target.Memory.Id] }, ct);
        var vectorOnly = MemoryScoring.Default with { TextWeight = 0, NeighbourWeight = 0, SessionWeight = 0 };
        var after = await kit.Memory.SearchAsync(new MemoryQuery(new MemoryFilter(scope), "where is the spare key hidden", 61) { Scoring = vectorOnly }, ct);

        Assert.True(after.Approximate);
        Assert.Equal(60, after.Hits.Count);
        Assert.DoesNotContain(after.Hits, h => h.Memory.Id == target.Memory.Id);
        Assert.Equal(written.Select(w => w.Memory.Id).Order(), after.Hits.Select(h => h.Memory.Id).Order());
    }

    /// <summary>Random unit vectors around a few centres, like embeddings of related texts.</summary>
    private static float[] Clustered(Random random)
    {
        var vector = new float[64];
        var centre = random.Next(8);
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] = (float)(random.NextDouble() - 0.5) + (i % 8 == centre ? 1.5f : 0);
        }

        return VectorSet.Normalised(vector);
    }
}
