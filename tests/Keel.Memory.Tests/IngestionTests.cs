using Keel.Memory.Ingestion;
using Keel.Tasks;
using Microsoft.Extensions.AI;

using Xunit;

namespace Keel.Memory.Tests;

public sealed class IngestionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Stores without embeddings: the store's own deduplication, as the memory service relies on.</summary>
    private static SessionMemoryIngestor Ingestor(ContextAssemblyKit kit, int batchSize = 64) =>
        new(kit.Store, (memories, ct) => kit.Store.AddMemoriesAsync(memories, ct).AsTask(), new MemoryIngestionOptions { BatchSize = batchSize });

    private static Task<IReadOnlyList<MemoryRecord>> AllAsync(ContextAssemblyKit kit) =>
        kit.Store.ListMemoriesAsync(new MemoryFilter(new MemoryScope(kit.CustomerId)), 10_000, Ct).AsTask();

    private static async Task<string> TaskOfAgentAsync(ContextAssemblyKit kit, string sessionId, string agent)
    {
        var task = new AgentTask { Id = KeelIds.NewTaskId(), Agent = agent, CustomerId = kit.CustomerId, SessionId = sessionId, Input = "hi", CreatedAt = ContextAssemblyKit.T0 };
        await kit.Store.CreateTaskAsync(task, Ct);
        return task.Id;
    }

    [Fact]
    public async Task Each_turn_becomes_one_episodic_memory_with_its_scope_source_and_time()
    {
        await using var kit = await ContextAssemblyKit.CreateAsync(Ct);
        var session = await kit.NewSessionAsync(Ct);
        var taskId = await TaskOfAgentAsync(kit, session, "support");
        await kit.SayAsync(session, [new ChatMessage(ChatRole.User, "My order 1182 never arrived."), new ChatMessage(ChatRole.System, "internal note")], cancellationToken: Ct);
        await kit.SayAsync(session,
        [
            new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "track", new Dictionary<string, object?> { ["order"] = 1182 })]),
            new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", "lost in transit")]),
            new ChatMessage(ChatRole.Assistant, "Order 1182 was lost; I have sent a replacement."),
        ], ContextAssemblyKit.T0.AddHours(1), taskId, Ct);

        var result = await Ingestor(kit).IngestAsync(Ct);

        Assert.Equal(new MemoryIngestionResult(5, 2, 0), result);
        var memories = (await AllAsync(kit)).OrderBy(m => m.OccurredAt).ToList();
        Assert.Equal(["user: My order 1182 never arrived.", "assistant: Order 1182 was lost; I have sent a replacement."], memories.Select(m => m.Text));
        Assert.All(memories, m => Assert.Equal(MemoryKind.Episodic, m.Kind));
        Assert.Equal(new MemoryScope(kit.CustomerId, sessionId: session), memories[0].Scope);
        Assert.Equal(new MemoryScope(kit.CustomerId, agentId: "support", sessionId: session), memories[1].Scope);
        Assert.Equal(new MemorySource(session, MessageId: "1"), memories[0].Source);
        Assert.Equal(new MemorySource(session, taskId, MessageId: "5"), memories[1].Source);
        Assert.Equal([ContextAssemblyKit.T0, ContextAssemblyKit.T0.AddHours(1).AddMinutes(2)], memories.Select(m => m.OccurredAt));
    }

    [Fact]
    public async Task Running_twice_ingests_each_turn_once_and_later_turns_on_the_next_run()
    {
        await using var kit = await ContextAssemblyKit.CreateAsync(Ct);
        var first = await kit.NewSessionAsync(Ct);
        var second = await kit.NewSessionAsync(Ct);
        await kit.SayAsync(first, Turns("a", 7), cancellationToken: Ct);
        await kit.SayAsync(second, Turns("b", 6), cancellationToken: Ct);
        var ingestor = Ingestor(kit, batchSize: 4);

        Assert.Equal(new MemoryIngestionResult(13, 13, 0), await ingestor.IngestAsync(Ct));
        Assert.Equal(MemoryIngestionResult.None, await ingestor.IngestAsync(Ct));
        await kit.SayAsync(first, Turns("c", 2), ContextAssemblyKit.T0.AddDays(1), cancellationToken: Ct);
        Assert.Equal(new MemoryIngestionResult(2, 2, 0), await ingestor.IngestAsync(Ct));

        var memories = await AllAsync(kit);
        Assert.Equal(15, memories.Count);
        Assert.Equal(15, memories.Select(m => (m.Source.SessionId, m.Source.MessageId)).Distinct().Count());
    }

    [Fact]
    public async Task Concurrent_ingestors_store_each_turn_once()
    {
        await using var kit = await ContextAssemblyKit.CreateAsync(Ct);
        for (var s = 0; s < 4; s++)
        {
            await kit.SayAsync(await kit.NewSessionAsync(Ct), Turns($"s{s}", 25), cancellationToken: Ct);
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Ingestor(kit, batchSize: 8).IngestAsync(Ct), Ct)));

        Assert.Equal(100, results.Sum(r => r.Added));
        Assert.Equal(100, (await AllAsync(kit)).Count);
        Assert.Equal(MemoryIngestionResult.None, await Ingestor(kit).IngestAsync(Ct));
    }

    [Fact]
    public async Task A_batch_stored_before_a_crash_is_not_stored_again()
    {
        await using var kit = await ContextAssemblyKit.CreateAsync(Ct);
        await kit.SayAsync(await kit.NewSessionAsync(Ct), Turns("x", 5), cancellationToken: Ct);
        var crashing = new SessionMemoryIngestor(kit.Store, async (memories, ct) =>
        {
            await kit.Store.AddMemoriesAsync(memories, ct);
            throw new IOException("The process died before the cursor moved.");
        });

        await Assert.ThrowsAsync<IOException>(() => crashing.IngestAsync(Ct));
        var retried = await Ingestor(kit).IngestAsync(Ct);

        Assert.Equal(new MemoryIngestionResult(5, 0, 5), retried);
        Assert.Equal(5, (await AllAsync(kit)).Count);
    }

    private static List<ChatMessage> Turns(string prefix, int count) =>
        [.. Enumerable.Range(1, count).Select(i => new ChatMessage(i % 2 == 1 ? ChatRole.User : ChatRole.Assistant, $"{prefix} turn {i}: something worth remembering"))];
}
