using Keel.Memory;
using Keel.Sessions;
using Xunit;
using static Keel.Storage.Conformance.StoreSamples;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    private static NewMemory Remember(MemoryScope scope, string text, MemoryKind kind = MemoryKind.Episodic, int atMs = 0, MemorySource? source = null) =>
        new(scope, kind, text, source, Importance: 0.5, OccurredAt: At(atMs));

    private async Task<MemoryRecord> AddOneAsync(NewMemory memory) => (await Store.AddMemoriesAsync([memory], Ct))[0].Memory;

    private async Task<List<MemoryVector>> VectorsAsync(MemoryFilter filter)
    {
        var vectors = new List<MemoryVector>();
        await foreach (var vector in Store.ReadMemoryVectorsAsync(filter, Ct))
        {
            vectors.Add(vector);
        }

        return vectors;
    }

    [Fact]
    public async Task AddMemoriesAsync_StoresEveryField_ReadableByIdKeyAndList()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var scope = new MemoryScope(customer.Id, "u_1", "support", "sess_1");
        var source = new MemorySource("sess_1", "task_1", 3, "D1:2", "ticket-9");
        var written = await Store.AddMemoriesAsync(
        [
            new NewMemory(scope, MemoryKind.Semantic, "Alice lives in Lisbon ✓", source, 0.9, At(1000)) { FactKey = "user.city", ValidFrom = At(500) },
            Remember(scope, "Alice asked about invoices", atMs: 2000),
        ], Ct);

        Assert.All(written, w => Assert.False(w.Deduplicated));
        Assert.All(written, w => Assert.Empty(w.Superseded));
        var fact = written[0].Memory;
        Assert.StartsWith("mem_", fact.Id, StringComparison.Ordinal);
        Assert.NotEqual(fact.Key, written[1].Memory.Key);
        Assert.Equal(scope, fact.Scope);
        Assert.Equal(MemoryKind.Semantic, fact.Kind);
        Assert.Equal("Alice lives in Lisbon ✓", fact.Text);
        Assert.Equal(source, fact.Source);
        Assert.Equal(0.9, fact.Importance);
        Assert.Equal(At(1000), fact.OccurredAt);
        Assert.Equal(At(500), fact.ValidFrom);
        Assert.Null(fact.ValidTo);
        Assert.Null(fact.SupersededBy);
        Assert.Equal("user.city", fact.FactKey);
        Assert.False(string.IsNullOrEmpty(fact.ContentHash));

        Assert.Equal([fact], await Store.GetMemoriesAsync(customer.Id, [fact.Id], Ct));
        Assert.Equal([written[1].Memory, fact], await Store.GetMemoriesAsync(customer.Id, [written[1].Memory.Id, "mem_unknown", fact.Id], Ct));
        Assert.Equal([fact], await Store.GetMemoriesByKeyAsync(customer.Id, [fact.Key, -1], Ct));
        var listed = await Store.ListMemoriesAsync(new MemoryFilter(scope), cancellationToken: Ct);
        Assert.Equal([written[1].Memory.Id, fact.Id], listed.Select(m => m.Id)); // newest occurred first
        Assert.Equal(fact, listed[1]);
        Assert.Equal(2, await Store.CountMemoriesAsync(new MemoryFilter(scope), Ct));
        Assert.Single(await Store.ListMemoriesAsync(new MemoryFilter(scope), limit: 1, Ct));
    }

    [Fact]
    public async Task AddMemoriesAsync_SameTextInSameScope_IsStoredOnce_EvenInOneBatch()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var scope = new MemoryScope(customer.Id, "u_1");
        var first = await AddOneAsync(Remember(scope, "The user prefers email."));

        var again = await Store.AddMemoriesAsync(
        [
            Remember(scope, "  the USER   prefers\temail. "),
            Remember(scope, "Another fact"),
            Remember(scope, "another   FACT"),
        ], Ct);
        var elsewhere = await Store.AddMemoriesAsync([Remember(new MemoryScope(customer.Id, "u_2"), "The user prefers email."), Remember(new MemoryScope(customer.Id), "The user prefers email.")], Ct);

        Assert.True(again[0].Deduplicated);
        Assert.Equal(first, again[0].Memory);
        Assert.False(again[1].Deduplicated);
        Assert.True(again[2].Deduplicated);
        Assert.Equal(again[1].Memory.Id, again[2].Memory.Id);
        Assert.All(elsewhere, w => Assert.False(w.Deduplicated)); // another user; the customer-wide scope is another exact scope
        Assert.Equal(first.ContentHash, elsewhere[0].Memory.ContentHash);
        Assert.Equal(2, await Store.CountMemoriesAsync(new MemoryFilter(scope), Ct));
    }

    [Fact]
    public async Task AddMemoriesAsync_SameFactKey_SupersedesTheCurrentValue_HistoryAndAsOfKeepTheOld()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var scope = new MemoryScope(customer.Id, "u_1");
        var paris = await AddOneAsync(new NewMemory(scope, MemoryKind.Semantic, "Lives in Paris") { FactKey = "user.city", ValidFrom = At(0) });
        var otherUser = await AddOneAsync(new NewMemory(new MemoryScope(customer.Id, "u_2"), MemoryKind.Semantic, "Lives in Rome") { FactKey = "user.city", ValidFrom = At(0) });

        var berlin = (await Store.AddMemoriesAsync([new NewMemory(scope, MemoryKind.Semantic, "Lives in Berlin") { FactKey = "user.city", ValidFrom = At(5000) }], Ct))[0];
        var oslo = (await Store.AddMemoriesAsync([new NewMemory(scope, MemoryKind.Semantic, "Lives in Oslo") { FactKey = "user.city", ValidFrom = At(9000) }], Ct))[0];

        Assert.Equal([paris.Id], berlin.Superseded);
        Assert.Equal([berlin.Memory.Id], oslo.Superseded);
        var current = await Store.ListMemoriesAsync(new MemoryFilter(scope), cancellationToken: Ct);
        Assert.Equal(["Lives in Oslo"], current.Select(m => m.Text));
        var oldParis = (await Store.GetMemoriesAsync(customer.Id, [paris.Id], Ct))[0];
        Assert.Equal(At(5000), oldParis.ValidTo);
        Assert.Equal(berlin.Memory.Id, oldParis.SupersededBy);
        Assert.False(oldParis.IsCurrentAt(At(6000)));

        var history = await Store.GetMemoryHistoryAsync(customer.Id, oslo.Memory.Id, Ct);
        Assert.Equal(["Lives in Oslo", "Lives in Berlin", "Lives in Paris"], history.Select(m => m.Text));
        Assert.Equal(["Lives in Paris"], (await Store.ListMemoriesAsync(new MemoryFilter(scope) { AsOf = At(1000) }, cancellationToken: Ct)).Select(m => m.Text));
        Assert.Equal(["Lives in Berlin"], (await Store.ListMemoriesAsync(new MemoryFilter(scope) { AsOf = At(5000) }, cancellationToken: Ct)).Select(m => m.Text));
        Assert.Equal(3, await Store.CountMemoriesAsync(new MemoryFilter(scope) { IncludeHistory = true }, Ct));
        Assert.Null((await Store.GetMemoriesAsync(customer.Id, [otherUser.Id], Ct))[0].ValidTo); // another scope's fact stands
        Assert.Empty(await Store.GetMemoryHistoryAsync("cus_other", oslo.Memory.Id, Ct));

        // The old value said again is a new memory, not a duplicate of history.
        var back = (await Store.AddMemoriesAsync([new NewMemory(scope, MemoryKind.Semantic, "lives in paris") { FactKey = "user.city", ValidFrom = At(12000) }], Ct))[0];
        Assert.False(back.Deduplicated);
        Assert.Equal([oslo.Memory.Id], back.Superseded);
    }

    [Fact]
    public async Task AddMemoriesAsync_SupersedesById_SameCustomerOnly_ElseThrowsAndWritesNothing()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var globex = await Store.EnsureCustomerAsync("globex", Ct);
        var scope = new MemoryScope(acme.Id, "u_1");
        var old = await AddOneAsync(Remember(scope, "Meeting is on Monday", atMs: 0) with { ValidFrom = At(0) });
        var theirs = await AddOneAsync(Remember(new MemoryScope(globex.Id), "Globex secret"));

        await Assert.ThrowsAsync<StoreException>(async () => await Store.AddMemoriesAsync(
            [Remember(scope, "written before the bad one"), Remember(scope, "Meeting moved") with { Supersedes = [old.Id, theirs.Id] }], Ct));
        await Assert.ThrowsAsync<StoreException>(async () => await Store.AddMemoriesAsync([Remember(scope, "Meeting moved") with { Supersedes = ["mem_unknown"] }], Ct));

        Assert.Equal(1, await Store.CountMemoriesAsync(new MemoryFilter(scope) { IncludeHistory = true }, Ct));
        Assert.Null((await Store.GetMemoriesAsync(acme.Id, [old.Id], Ct))[0].ValidTo);
        Assert.Null((await Store.GetMemoriesAsync(globex.Id, [theirs.Id], Ct))[0].ValidTo);

        var moved = (await Store.AddMemoriesAsync([Remember(new MemoryScope(acme.Id, "u_1", "planner"), "Meeting is on Tuesday") with { ValidFrom = At(3000), Supersedes = [old.Id] }], Ct))[0];
        Assert.Equal([old.Id], moved.Superseded);
        Assert.Equal(["Meeting is on Tuesday"], (await Store.ListMemoriesAsync(new MemoryFilter(scope), cancellationToken: Ct)).Select(m => m.Text));
        Assert.Equal(["Meeting is on Monday"], (await Store.ListMemoriesAsync(new MemoryFilter(scope) { AsOf = At(1000) }, cancellationToken: Ct)).Select(m => m.Text));
        Assert.Equal([moved.Memory.Id, old.Id], (await Store.GetMemoryHistoryAsync(acme.Id, moved.Memory.Id, Ct)).Select(m => m.Id));
    }

    [Fact]
    public async Task MemoryReads_OfAnotherCustomer_NeverReturnItsMemories_AndForgetRemovesNothing()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var globex = await Store.EnsureCustomerAsync("globex", Ct);
        var theirs = await AddOneAsync(Remember(new MemoryScope(globex.Id, "u_1"), "globex launch codes are swordfish") with { Embedding = new float[] { 1, 0 } });
        await AddOneAsync(Remember(new MemoryScope(acme.Id, "u_1"), "acme likes swordfish") with { Embedding = new float[] { 0, 1 } });
        var acmeScope = new MemoryFilter(new MemoryScope(acme.Id)) { IncludeHistory = true };

        Assert.Empty(await Store.GetMemoriesAsync(acme.Id, [theirs.Id], Ct));
        Assert.Empty(await Store.GetMemoriesByKeyAsync(acme.Id, [theirs.Key], Ct));
        Assert.Empty(await Store.GetMemoryHistoryAsync(acme.Id, theirs.Id, Ct));
        Assert.DoesNotContain(theirs.Id, (await Store.ListMemoriesAsync(acmeScope, cancellationToken: Ct)).Select(m => m.Id));
        Assert.Equal(1, await Store.CountMemoriesAsync(acmeScope, Ct));
        Assert.DoesNotContain(theirs.Key, (await Store.SearchMemoryTextAsync(acmeScope, "launch codes swordfish", 10, Ct)).Select(h => h.Key));
        Assert.DoesNotContain(theirs.Key, (await VectorsAsync(acmeScope)).Select(v => v.Key));

        Assert.Empty(await Store.ForgetMemoriesAsync(new MemoryForgetRequest(new MemoryScope(acme.Id)) { Ids = [theirs.Id] }, Ct));
        Assert.Single(await Store.GetMemoriesAsync(globex.Id, [theirs.Id], Ct));
        Assert.Single(await Store.SearchMemoryTextAsync(new MemoryFilter(new MemoryScope(globex.Id)), "launch", 10, Ct));
    }

    [Fact]
    public async Task MemoryFilter_ScopePartsGiven_MustMatch_PartsLeftOutMatchAnything()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        await Store.AddMemoriesAsync(
        [
            Remember(new MemoryScope(customer.Id), "customer wide"),
            Remember(new MemoryScope(customer.Id, "u_1", "support", "sess_1"), "u1 support s1"),
            Remember(new MemoryScope(customer.Id, "u_1", "sales", "sess_2"), "u1 sales s2"),
            Remember(new MemoryScope(customer.Id, "u_2", "support", "sess_3"), "u2 support s3"),
        ], Ct);

        async Task<string[]> Texts(MemoryScope scope) =>
            [.. (await Store.ListMemoriesAsync(new MemoryFilter(scope), cancellationToken: Ct)).Select(m => m.Text).Order(StringComparer.Ordinal)];

        Assert.Equal(["customer wide", "u1 sales s2", "u1 support s1", "u2 support s3"], await Texts(new MemoryScope(customer.Id)));
        Assert.Equal(["u1 sales s2", "u1 support s1"], await Texts(new MemoryScope(customer.Id, "u_1")));
        Assert.Equal(["u1 support s1", "u2 support s3"], await Texts(new MemoryScope(customer.Id, agentId: "support")));
        Assert.Equal(["u2 support s3"], await Texts(new MemoryScope(customer.Id, sessionId: "sess_3")));
        Assert.Empty(await Texts(new MemoryScope(customer.Id, "u_1", sessionId: "sess_3")));
        Assert.Equal(1, (await Store.SearchMemoryTextAsync(new MemoryFilter(new MemoryScope(customer.Id, agentId: "sales")), "u1", 10, Ct)).Count);
    }

    [Fact]
    public async Task MemoryFilter_ByKindTimeAndSource_NarrowsListCountSearchAndVectors()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var scope = new MemoryScope(customer.Id, "u_1");
        var written = await Store.AddMemoriesAsync(
        [
            Remember(scope, "coffee order at noon", MemoryKind.Episodic, 1000, new MemorySource("sess_a", MessageId: "1")) with { Embedding = new float[] { 1 } },
            Remember(scope, "coffee is preferred black", MemoryKind.Semantic, 2000, new MemorySource(ExternalId: "crm-7")) with { Embedding = new float[] { 2 } },
            Remember(scope, "coffee: ask before brewing", MemoryKind.Procedural, 3000, new MemorySource("sess_b", "task_9", 4)) with { Embedding = new float[] { 3 } },
        ], Ct);
        var (episodic, semantic, procedural) = (written[0].Memory.Key, written[1].Memory.Key, written[2].Memory.Key);

        async Task<long[]> Keys(MemoryFilter filter)
        {
            var listed = (await Store.ListMemoriesAsync(filter, cancellationToken: Ct)).Select(m => m.Key).Order().ToArray();
            Assert.Equal(listed.Length, await Store.CountMemoriesAsync(filter, Ct));
            Assert.Equal(listed, (await Store.SearchMemoryTextAsync(filter, "coffee", 10, Ct)).Select(h => h.Key).Order());
            Assert.Equal(listed, (await VectorsAsync(filter)).Select(v => v.Key).Order());
            return listed;
        }

        Assert.Equal([episodic, semantic, procedural], await Keys(new MemoryFilter(scope)));
        Assert.Equal([semantic, procedural], await Keys(new MemoryFilter(scope) { Kinds = [MemoryKind.Semantic, MemoryKind.Procedural] }));
        Assert.Equal([semantic], await Keys(new MemoryFilter(scope) { OccurredFrom = At(2000), OccurredTo = At(3000) }));
        Assert.Equal([episodic, semantic], await Keys(new MemoryFilter(scope) { OccurredTo = At(3000) }));
        Assert.Equal([episodic], await Keys(new MemoryFilter(scope) { Source = new MemorySource("sess_a") }));
        Assert.Equal([semantic], await Keys(new MemoryFilter(scope) { Source = new MemorySource(ExternalId: "crm-7") }));
        Assert.Equal([procedural], await Keys(new MemoryFilter(scope) { Source = new MemorySource(TaskId: "task_9", StepSeq: 4) }));
        Assert.Empty(await Keys(new MemoryFilter(scope) { Source = new MemorySource("sess_a", MessageId: "2") }));
        Assert.Empty(await Keys(new MemoryFilter(scope) { Kinds = [MemoryKind.Episodic], OccurredFrom = At(2000) }));
    }

    [Theory]
    [InlineData("\"unbalanced quote")]
    [InlineData("NEAR(alpha beta, 2) OR NOT - AND")]
    [InlineData("alpha* -beta ^gamma text:delta {terms} : ( ) + . ,")]
    [InlineData("'); DROP TABLE memories; --")]
    [InlineData("Ünïcödé naïve café 東京 🙂 \u0000 \uD800")]
    public async Task SearchMemoryTextAsync_AnyUserText_NeverThrows_AndMatchesItsWords(string query)
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var scope = new MemoryScope(customer.Id);
        var target = await AddOneAsync(Remember(scope, $"notes: {query} and more"));
        await AddOneAsync(Remember(scope, "nothing relevant here"));

        var hits = await Store.SearchMemoryTextAsync(new MemoryFilter(scope), query, 10, Ct);

        Assert.Equal([target.Key], hits.Select(h => h.Key));
        Assert.True(hits[0].Score > 0);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("what is the")]
    [InlineData("\"\" * - ( ) 🙂")]
    public async Task SearchMemoryTextAsync_QueryWithoutWords_ReturnsNothing(string query)
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var scope = new MemoryScope(customer.Id);
        await AddOneAsync(Remember(scope, "what is the plan"));

        Assert.Empty(await Store.SearchMemoryTextAsync(new MemoryFilter(scope), query, 10, Ct));
    }

    [Fact]
    public async Task SearchMemoryTextAsync_RanksByBm25_MatchesAnyWord_StemsAndSkipsHistory()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var scope = new MemoryScope(customer.Id, "u_1");
        var written = await Store.AddMemoriesAsync(
        [
            Remember(scope, "We went hiking in the mountains with Melanie"),
            Remember(scope, "Melanie painted a sunrise"),
            Remember(scope, "The weather was cold"),
            new NewMemory(scope, MemoryKind.Semantic, "Melanie hikes every weekend") { FactKey = "melanie.hobby", ValidFrom = At(0) },
        ], Ct);
        var replaced = await AddOneAsync(new NewMemory(scope, MemoryKind.Semantic, "Melanie swims every weekend") { FactKey = "melanie.hobby", ValidFrom = At(10) });

        var hits = await Store.SearchMemoryTextAsync(new MemoryFilter(scope), "When did Melanie go hiking?", 10, Ct);

        Assert.Equal(written[0].Memory.Key, hits[0].Key); // both words
        Assert.Equal([written[0].Memory.Key, written[1].Memory.Key, replaced.Key], hits.Select(h => h.Key).Order());
        Assert.True(hits[0].Score > hits[1].Score);
        Assert.Equal(hits.OrderByDescending(h => h.Score), hits);
        var withHistory = await Store.SearchMemoryTextAsync(new MemoryFilter(scope) { IncludeHistory = true }, "hike", 10, Ct);
        Assert.Equal([written[0].Memory.Key, written[3].Memory.Key], withHistory.Select(h => h.Key).Order()); // porter: hiking, hikes
        Assert.Single(await Store.SearchMemoryTextAsync(new MemoryFilter(scope), "melanie", 1, Ct));
    }

    [Fact]
    public async Task SearchMemoryTextAsync_FilterRejectingTheBestMatches_StillFindsTheRest()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var scope = new MemoryScope(customer.Id);
        var noise = Enumerable.Range(0, 60).Select(i => Remember(scope, $"apple apple apple note {i}", atMs: 10_000 + i));
        var written = await Store.AddMemoriesAsync([Remember(scope, "an apple among many other words in a long sentence", atMs: 1), .. noise], Ct);

        var hits = await Store.SearchMemoryTextAsync(new MemoryFilter(scope) { OccurredTo = At(5000) }, "apple", 3, Ct);

        Assert.Equal([written[0].Memory.Key], hits.Select(h => h.Key));
        Assert.Equal(3, (await Store.SearchMemoryTextAsync(new MemoryFilter(scope), "apple", 3, Ct)).Count);
    }

    [Fact]
    public async Task ReadMemoryVectorsAsync_ReturnsTheStoredFloatsExactly_OnlyForMemoriesWithOne()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var scope = new MemoryScope(customer.Id);
        float[] vector = [0.25f, -1.5f, float.Epsilon, 3.4028235E+38f, -0f, 1e-7f];
        var with = await AddOneAsync(Remember(scope, "has a vector") with { Embedding = vector });
        await AddOneAsync(Remember(scope, "text only"));

        var vectors = await VectorsAsync(new MemoryFilter(scope));

        var read = Assert.Single(vectors);
        Assert.Equal(with.Key, read.Key);
        Assert.Equal(vector, read.Vector.ToArray());
    }

    [Fact]
    public async Task ForgetMemoriesAsync_ById_BySource_ByScope_RemovesTextVectorsAndIndexEntries_HistoryIncluded()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var alice = new MemoryScope(customer.Id, "u_alice");
        var bob = new MemoryScope(customer.Id, "u_bob");
        var written = await Store.AddMemoriesAsync(
        [
            Remember(alice, "alice zebra one", source: new MemorySource("sess_1")) with { Embedding = new float[] { 1 } },
            Remember(alice, "alice zebra two", source: new MemorySource("sess_2")) with { Embedding = new float[] { 2 } },
            new NewMemory(alice, MemoryKind.Semantic, "alice zebra fact v1") { FactKey = "f", ValidFrom = At(0) },
            Remember(bob, "bob zebra", source: new MemorySource("sess_1")) with { Embedding = new float[] { 3 } },
        ], Ct);
        var v2 = await AddOneAsync(new NewMemory(alice, MemoryKind.Semantic, "alice zebra fact v2") { FactKey = "f", ValidFrom = At(10) });
        var customerWide = new MemoryFilter(new MemoryScope(customer.Id)) { IncludeHistory = true };

        Assert.Equal([written[0].Memory.Key], await Store.ForgetMemoriesAsync(new MemoryForgetRequest(alice) { Ids = [written[0].Memory.Id] }, Ct));
        Assert.Empty(await Store.GetMemoriesAsync(customer.Id, [written[0].Memory.Id], Ct));

        // By source within the scope: bob's memory from the same session stays.
        Assert.Empty(await Store.ForgetMemoriesAsync(new MemoryForgetRequest(alice) { Source = new MemorySource("sess_1") }, Ct));
        Assert.Equal([written[1].Memory.Key], await Store.ForgetMemoriesAsync(new MemoryForgetRequest(alice) { Source = new MemorySource("sess_2") }, Ct));

        // The scope: current and history.
        var erased = await Store.ForgetMemoriesAsync(new MemoryForgetRequest(alice), Ct);
        Assert.Equal([written[2].Memory.Key, v2.Key], erased.Order());
        Assert.Equal(0, await Store.CountMemoriesAsync(new MemoryFilter(alice) { IncludeHistory = true }, Ct));
        Assert.Empty(await Store.GetMemoryHistoryAsync(customer.Id, v2.Id, Ct));
        Assert.Equal([written[3].Memory.Key], (await Store.SearchMemoryTextAsync(customerWide, "zebra", 10, Ct)).Select(h => h.Key));
        Assert.Equal([written[3].Memory.Key], (await VectorsAsync(customerWide)).Select(v => v.Key));
        Assert.Empty(await Store.ForgetMemoriesAsync(new MemoryForgetRequest(alice), Ct));

        // Text forgotten can be remembered again: the dedup hash went with it.
        Assert.False((await Store.AddMemoriesAsync([Remember(alice, "alice zebra one")], Ct))[0].Deduplicated);
    }

    [Fact]
    public async Task MemoryRetention_ForgetsMemoriesOlderThanThePolicy_InMatchingScopesAndKindsOnly()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var globex = await Store.EnsureCustomerAsync("globex", Ct);
        var user = new MemoryScope(acme.Id, "u_1");
        var written = await Store.AddMemoriesAsync(
        [
            Remember(new MemoryScope(acme.Id, "u_1", "support"), "episode", MemoryKind.Episodic),
            Remember(user, "fact", MemoryKind.Semantic),
            Remember(new MemoryScope(acme.Id, "u_2"), "other user"),
            Remember(new MemoryScope(globex.Id, "u_1"), "other customer"),
        ], Ct);
        await Store.SetMemoryRetentionAsync(new MemoryRetention(user, TimeSpan.FromDays(7)), Ct);
        await Store.SetMemoryRetentionAsync(new MemoryRetention(user, TimeSpan.FromDays(30)) { Kinds = [MemoryKind.Episodic] }, Ct); // replaces

        var policy = Assert.Single(await Store.ListMemoryRetentionAsync(acme.Id, Ct));
        Assert.Equal(user, policy.Scope);
        Assert.Equal(TimeSpan.FromDays(30), policy.MaxAge);
        Assert.Equal([MemoryKind.Episodic], policy.Kinds);
        Assert.Empty(await Store.ListMemoryRetentionAsync(globex.Id, Ct));

        var now = DateTimeOffset.UtcNow;
        Assert.Empty(await Store.ApplyMemoryRetentionAsync(now.AddDays(29), Ct));
        Assert.Equal([written[0].Memory.Key], await Store.ApplyMemoryRetentionAsync(now.AddDays(31), Ct));
        Assert.Equal(3, await Store.CountMemoriesAsync(new MemoryFilter(new MemoryScope(acme.Id)), Ct) + await Store.CountMemoriesAsync(new MemoryFilter(new MemoryScope(globex.Id)), Ct));
    }

    [Fact]
    public async Task MemoryIngestion_ReadsMessagesPastEachSessionsCursor_AdvancesForwardOnly_AndRestartsAfterClear()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var globex = await Store.EnsureCustomerAsync("globex", Ct);
        static SessionMessage Turn(string text, int atMs) => new("ignored", 0, null, "user", $$"""{"role":"user","content":"{{text}}"}""", 3, At(atMs));
        await Store.AppendSessionMessagesAsync(acme.Id, "sess_a", [Turn("a1", 0), Turn("a2", 20)], Ct);
        await Store.AppendSessionMessagesAsync(globex.Id, "sess_g", [Turn("g1", 10)], Ct);

        var pending = await Store.ReadSessionMessagesToIngestAsync(10, Ct);
        Assert.Equal([("sess_a", 1L, acme.Id), ("sess_g", 1L, globex.Id), ("sess_a", 2L, acme.Id)], pending.Select(p => (p.Message.SessionId, p.Message.Seq, p.CustomerId)));
        Assert.Contains("a1", pending[0].Message.Content, StringComparison.Ordinal);
        Assert.Equal(2, (await Store.ReadSessionMessagesToIngestAsync(2, Ct)).Count);

        await Store.AdvanceMemoryIngestionAsync("sess_a", 2, Ct);
        await Store.AdvanceMemoryIngestionAsync("sess_a", 1, Ct); // never backwards
        Assert.Equal([("sess_g", 1L)], (await Store.ReadSessionMessagesToIngestAsync(10, Ct)).Select(p => (p.Message.SessionId, p.Message.Seq)));

        await Store.AdvanceMemoryIngestionAsync("sess_g", 1, Ct);
        await Store.AppendSessionMessagesAsync(acme.Id, "sess_a", [Turn("a3", 30)], Ct);
        Assert.Equal([("sess_a", 3L)], (await Store.ReadSessionMessagesToIngestAsync(10, Ct)).Select(p => (p.Message.SessionId, p.Message.Seq)));

        // Clearing numbers the session from 1 again: its cursor starts over with it.
        await Store.ClearSessionAsync(acme.Id, "sess_a", Ct);
        Assert.Empty(await Store.ReadSessionMessagesToIngestAsync(10, Ct));
        await Store.AppendSessionMessagesAsync(acme.Id, "sess_a", [Turn("fresh", 40)], Ct);
        var fresh = Assert.Single(await Store.ReadSessionMessagesToIngestAsync(10, Ct));
        Assert.Equal(1, fresh.Message.Seq);
        Assert.Contains("fresh", fresh.Message.Content, StringComparison.Ordinal);
    }
}
