using Keel.Memory.Retrieval;
using Xunit;

namespace Keel.Memory.Tests;

public sealed class HybridSearchTests
{
    private static readonly string[] Facts =
    [
        "The customer prefers aisle seats on long flights.",
        "Order QX-7731 was refunded after the parcel arrived damaged.",
        "The weekly team meeting moved to Thursday afternoons.",
        "She adopted a grey cat from the shelter last spring.",
        "The invoice template needs the new company address.",
        "Our backup job runs every night at two o'clock.",
    ];

    [Fact]
    public async Task A_paraphrase_sharing_no_word_is_found_by_the_vectors()
    {
        await using var kit = await RetrievalKit.CreateAsync(cancellationToken: TestContext.Current.CancellationToken);
        await kit.Memory.AddAsync([.. Facts.Select(f => new NewMemory(RetrievalKit.Scope(), MemoryKind.Semantic, f))], TestContext.Current.CancellationToken);

        var hits = await kit.SearchAsync(new MemoryFilter(RetrievalKit.Scope()), "Where does she like to sit when travelling by plane?");

        Assert.Equal(Facts[0], hits[0].Memory.Text);
        Assert.NotNull(hits[0].Parts.Vector);
        Assert.Null(hits[0].Parts.Text);
    }

    [Fact]
    public async Task An_exact_rare_word_is_found_by_bm25_and_ranks_first()
    {
        await using var kit = await RetrievalKit.CreateAsync(cancellationToken: TestContext.Current.CancellationToken);
        await kit.Memory.AddAsync([.. Facts.Select(f => new NewMemory(RetrievalKit.Scope(), MemoryKind.Semantic, f))], TestContext.Current.CancellationToken);

        var fused = await kit.SearchAsync(new MemoryFilter(RetrievalKit.Scope()), "what happened with QX-7731");
        var textOnly = await kit.SearchAsync(new MemoryFilter(RetrievalKit.Scope()), "what happened with QX-7731", scoring: MemoryScoring.Default with { VectorWeight = 0 });

        Assert.Equal(Facts[1], fused[0].Memory.Text);
        Assert.NotNull(fused[0].Parts.Text);
        Assert.Equal(Facts[1], Assert.Single(textOnly).Memory.Text);
    }

    [Fact]
    public async Task Filters_reach_kinds_time_source_and_scope()
    {
        await using var kit = await RetrievalKit.CreateAsync(cancellationToken: TestContext.Current.CancellationToken);
        var ct = TestContext.Current.CancellationToken;
        await kit.Memory.AddAsync(
            [
                new NewMemory(RetrievalKit.Scope(), MemoryKind.Semantic, "Ann's favourite colour is green.", OccurredAt: RetrievalKit.T0),
                new NewMemory(RetrievalKit.Scope(), MemoryKind.Episodic, "Ann said her favourite colour is green now.", new MemorySource(ExternalId: "crm-1"), OccurredAt: RetrievalKit.T0.AddDays(2)),
                new NewMemory(RetrievalKit.Scope("u2"), MemoryKind.Semantic, "Bob's favourite colour is green too.", OccurredAt: RetrievalKit.T0),
            ],
            ct);
        var mine = new MemoryFilter(RetrievalKit.Scope());

        Assert.Equal(2, (await kit.SearchAsync(mine, "favourite colour green")).Count);
        Assert.Equal("Ann's favourite colour is green.", Assert.Single(await kit.SearchAsync(mine with { Kinds = [MemoryKind.Semantic] }, "favourite colour green")).Memory.Text);
        Assert.Equal(MemoryKind.Episodic, Assert.Single(await kit.SearchAsync(mine with { OccurredFrom = RetrievalKit.T0.AddDays(1) }, "favourite colour green")).Memory.Kind);
        Assert.Equal(MemoryKind.Semantic, Assert.Single(await kit.SearchAsync(mine with { OccurredTo = RetrievalKit.T0.AddDays(1) }, "favourite colour green")).Memory.Kind);
        Assert.Equal("crm-1", Assert.Single(await kit.SearchAsync(mine with { Source = new MemorySource(ExternalId: "crm-1") }, "favourite colour green")).Memory.Source.ExternalId);
        Assert.Equal(3, (await kit.SearchAsync(new MemoryFilter(new MemoryScope("acme")), "favourite colour green")).Count);
        Assert.Empty(await kit.SearchAsync(new MemoryFilter(new MemoryScope("other-customer")), "favourite colour green"));
    }

    [Fact]
    public async Task Neighbour_expansion_returns_the_adjacent_turns_of_a_hit_in_session_order()
    {
        await using var kit = await RetrievalKit.CreateAsync(cancellationToken: TestContext.Current.CancellationToken);
        var turns = await kit.SayAsync(RetrievalKit.Scope(), "s1",
            "Hi, how was your weekend?",
            "Great, what about yours?",
            "I finally visited the planetarium downtown.",
            "Oh nice, what did you see there?",
            "A show about black holes.",
            "Anyway, lunch tomorrow?");
        await kit.SayAsync(RetrievalKit.Scope(), "s2", "Did you pay the electricity bill?", "Yes, yesterday.");

        var hits = await kit.SearchAsync(new MemoryFilter(RetrievalKit.Scope()), "planetarium", limit: 1, neighbours: 1);

        Assert.Equal([turns[2].Id, turns[1].Id, turns[3].Id], hits.Select(h => h.Memory.Id));
        Assert.Equal([false, true, true], hits.Select(h => h.IsNeighbour));
    }

    [Fact]
    public async Task A_forgotten_memory_is_never_returned_even_from_a_cached_scope()
    {
        await using var kit = await RetrievalKit.CreateAsync(cancellationToken: TestContext.Current.CancellationToken);
        var written = await kit.Memory.AddAsync([.. Facts.Select(f => new NewMemory(RetrievalKit.Scope(), MemoryKind.Semantic, f))], TestContext.Current.CancellationToken);
        var filter = new MemoryFilter(RetrievalKit.Scope());
        Assert.Equal(Facts[3], (await kit.SearchAsync(filter, "grey cat adopted"))[0].Memory.Text);

        await kit.Memory.ForgetAsync(new MemoryForgetRequest(RetrievalKit.Scope()) { Ids = [written[3].Memory.Id] }, TestContext.Current.CancellationToken);
        // Also behind the service's back (another process): the read-back drops it.
        await kit.Store.ForgetMemoriesAsync(new MemoryForgetRequest(RetrievalKit.Scope()) { Ids = [written[4].Memory.Id] }, TestContext.Current.CancellationToken);

        var hits = await kit.SearchAsync(filter, "grey cat adopted", limit: 10);
        Assert.DoesNotContain(hits, h => h.Memory.Text == Facts[3] || h.Memory.Text == Facts[4]);
        Assert.Equal(4, hits.Count);
    }

    [Fact]
    public async Task A_superseded_fact_is_replaced_in_search_by_the_new_one()
    {
        await using var kit = await RetrievalKit.CreateAsync(cancellationToken: TestContext.Current.CancellationToken);
        var filter = new MemoryFilter(RetrievalKit.Scope());
        await kit.Memory.AddAsync(new NewMemory(RetrievalKit.Scope(), MemoryKind.Semantic, "Ann lives in Lisbon.") { FactKey = "ann.city" }, TestContext.Current.CancellationToken);
        Assert.Single(await kit.SearchAsync(filter, "where does Ann live"));

        await kit.Memory.AddAsync(new NewMemory(RetrievalKit.Scope(), MemoryKind.Semantic, "Ann lives in Porto.") { FactKey = "ann.city" }, TestContext.Current.CancellationToken);

        Assert.Equal("Ann lives in Porto.", Assert.Single(await kit.SearchAsync(filter, "where does Ann live")).Memory.Text);
        Assert.Equal(2, (await kit.SearchAsync(filter with { IncludeHistory = true }, "where does Ann live")).Count);
    }

    [Fact]
    public async Task A_memory_added_after_its_scope_was_cached_is_found_by_its_vector()
    {
        await using var kit = await RetrievalKit.CreateAsync(cancellationToken: TestContext.Current.CancellationToken);
        var filter = new MemoryFilter(RetrievalKit.Scope());
        await kit.Memory.AddAsync([.. Facts.Skip(1).Select(f => new NewMemory(RetrievalKit.Scope(), MemoryKind.Semantic, f))], TestContext.Current.CancellationToken);
        Assert.NotEmpty(await kit.SearchAsync(filter, "invoice address"));

        await kit.Memory.AddAsync(new NewMemory(RetrievalKit.Scope(), MemoryKind.Semantic, Facts[0]), TestContext.Current.CancellationToken);

        var hit = (await kit.SearchAsync(filter, "Where does she like to sit when travelling by plane?"))[0];
        Assert.Equal(Facts[0], hit.Memory.Text);
        Assert.NotNull(hit.Parts.Vector);
    }
}
