using System.Reflection;
using Keel.Memory.Retrieval;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Keel.Memory.Tests;

/// <summary>The per-scope cache: searches never wait for an index build, refreshes are incremental, indexes are saved.</summary>
public sealed class ScopeCacheTests
{
    private const string Target = "The spare key is hidden under the blue flower pot.";
    private const string Question = "where is the spare key hidden";

    /// <summary>The cache a <see cref="MemoryService"/> searches through (private: the service has one per instance).</summary>
    internal static ScopeCache CacheOf(MemoryService service) =>
        (ScopeCache)typeof(MemoryService).GetField("_scopes", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(service)!;

    [Fact]
    public async Task A_search_during_an_index_build_answers_at_once_with_the_exact_scan()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var kit = await RetrievalKit.CreateAsync(cancellationToken: ct);
        var scope = RetrievalKit.Scope();
        await FillAsync(kit, scope, ct);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (cache, search) = Searcher(kit, TimeProvider.System, new ApproximateIndexOptions { BuildGate = _ => held.Task });

        var during = await search(Question).WaitAsync(TimeSpan.FromSeconds(30), ct);

        var build = cache.Cached(scope)!.IndexBuild;
        Assert.False(build.IsCompleted);
        Assert.False(during.Approximate);
        Assert.Equal(Target, during.Hits[0].Memory.Text);

        held.SetResult();
        await build.WaitAsync(ct);
        var after = await search(Question);
        Assert.True(after.Approximate);
        Assert.Equal(Target, after.Hits[0].Memory.Text);
    }

    [Fact]
    public async Task A_refresh_adds_another_services_memories_without_reloading_the_scope()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var kit = await RetrievalKit.CreateAsync(cancellationToken: ct);
        var scope = RetrievalKit.Scope();
        await FillAsync(kit, scope, ct, withTarget: false);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (cache, search) = Searcher(kit, time, new ApproximateIndexOptions());
        await search(Question);
        var state = cache.Cached(scope)!;
        await state.IndexBuild.WaitAsync(ct);

        // Another service (as another process would) writes the same store; this cache has not seen it.
        var other = await kit.Memory.AddAsync(new NewMemory(scope, MemoryKind.Semantic, Target), ct);
        Assert.DoesNotContain((await search(Question)).Hits, h => h.Memory.Id == other.Memory.Id);

        time.Advance(TimeSpan.FromMinutes(11));
        await search(Question); // starts the refresh, answered by the state as it is
        await cache.Refreshing(scope).WaitAsync(ct);
        var fresh = await search(Question);

        Assert.Same(state, cache.Cached(scope));
        Assert.True(fresh.Approximate);
        Assert.Equal(other.Memory.Id, fresh.Hits[0].Memory.Id);
    }

    [Fact]
    public async Task A_saved_index_is_loaded_by_the_next_process_and_ignored_when_corrupt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var kit = await RetrievalKit.CreateAsync(cancellationToken: ct);
        var scope = RetrievalKit.Scope();
        await FillAsync(kit, scope, ct, withTarget: false);
        var files = new IndexFiles(Path.Combine(Path.GetDirectoryName(kit.Store.Path)!, "indexes"));

        var first = await BuiltStateAsync(kit, files, scope, ct);
        Assert.False(first.IndexLoadedFromFile);
        Assert.True(File.Exists(files.Paths(scope).Index));

        // A restart after another memory was added: the saved index is loaded and the new memory added to it.
        var added = await kit.Memory.AddAsync(new NewMemory(scope, MemoryKind.Semantic, Target), ct);
        var (cache, search) = Searcher(kit, TimeProvider.System, new ApproximateIndexOptions { Files = files });
        await search(Question);
        await cache.Cached(scope)!.IndexBuild.WaitAsync(ct);
        Assert.True(cache.Cached(scope)!.IndexLoadedFromFile);
        var found = await search(Question);
        Assert.True(found.Approximate);
        Assert.Equal(added.Memory.Id, found.Hits[0].Memory.Id);

        // A damaged file is not loaded: the index is built again.
        var index = files.Paths(scope).Index;
        var bytes = await File.ReadAllBytesAsync(index, ct);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(index, bytes, ct);
        var rebuilt = await BuiltStateAsync(kit, files, scope, ct);
        Assert.False(rebuilt.IndexLoadedFromFile);
        Assert.True(rebuilt.Approximate);

        // Forgetting a memory deletes the customer's saved indexes: they hold its vector.
        await kit.Memory.ForgetAsync(new MemoryForgetRequest(scope) { Ids = [added.Memory.Id] }, ct);
        var forgetting = new ScopeCache(kit.Store, new MemoryOptions { ApproximateThreshold = 40 }, TimeProvider.System, new ApproximateIndexOptions { Files = files });
        forgetting.Removed(scope.CustomerId, [added.Memory.Key]);
        Assert.False(File.Exists(index));
    }

    private static async Task<ScopeState> BuiltStateAsync(RetrievalKit kit, IndexFiles files, MemoryScope scope, CancellationToken ct)
    {
        var (cache, search) = Searcher(kit, TimeProvider.System, new ApproximateIndexOptions { Files = files });
        await search(Question);
        var state = cache.Cached(scope)!;
        await state.IndexBuild.WaitAsync(ct);
        return state;
    }

    /// <summary>A search over its own cache of the kit's store (a second process, as far as caching goes), with an index from 40 memories.</summary>
    private static (ScopeCache Cache, Func<string, Task<MemorySearchResult>> Search) Searcher(RetrievalKit kit, TimeProvider time, ApproximateIndexOptions indexing)
    {
        var cache = new ScopeCache(kit.Store, new MemoryOptions { ApproximateThreshold = 40 }, time, indexing);
        var retriever = new HybridRetriever(kit.Store, kit.Memory.Embeddings, cache, time);
        var vectorOnly = MemoryScoring.Default with { TextWeight = 0, NeighbourWeight = 0, SessionWeight = 0 };
        return (cache, text => retriever.SearchAsync(new MemoryQuery(new MemoryFilter(RetrievalKit.Scope()), text, 5) { Scoring = vectorOnly }, TestContext.Current.CancellationToken));
    }

    private static async Task FillAsync(RetrievalKit kit, MemoryScope scope, CancellationToken ct, bool withTarget = true)
    {
        var texts = Enumerable.Range(0, 60).Select(i => $"Reminder number {i}: water the plants in room {i}.").ToList();
        if (withTarget)
        {
            texts.Add(Target);
        }

        await kit.Memory.AddAsync([.. texts.Select(t => new NewMemory(scope, MemoryKind.Semantic, t))], ct);
    }
}
