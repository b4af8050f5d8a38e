using Keel.Agents;
using Keel.Context;
using Keel.Hosting;
using Keel.Memory.Context;
using Keel.Memory.Embeddings;
using Keel.Memory.Ingestion;
using Keel.Metering;
using Keel.Pricing;
using Keel.Providers.Simulated;
using Keel.Resilience;
using Keel.Routing;
using Keel.Storage;
using Keel.Tasks;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

using Xunit;

namespace Keel.Memory.Tests;

/// <summary>The durable runtime's sessions start from an assembled context when Keel.Memory is registered.</summary>
public sealed class ContextAssemblyRuntimeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ModelCatalog Models() => new([new ModelRoute("m", [new Deployment
    {
        Name = "a",
        Model = "sim-fast",
        Provider = "simulated",
        ContextWindow = 128_000,
        Client = new SimulatedChatClient(new SimulatedModelOptions { Model = "sim-fast", Seed = 1, Latency = LatencyModel.None, Faults = FaultRates.None }),
    }])]);

    private static AgentRuntime Runtime(IKeelStore store, ISessionContextSource? source) =>
        new(store, new ResilientModelCaller(Models(), new ResilienceOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(1) }), new UsageMeter(PriceTable.Default))
        {
            SessionContext = source,
        };

    private static readonly ToolLoopAgent Chat = new() { Name = "concierge", Model = "m", Instructions = "You are a helpful concierge." };

    private static async Task<List<ChatMessage>> FirstPromptAsync(IKeelStore store, string taskId)
    {
        var spans = await store.GetSpansAsync(taskId, Ct);
        var first = spans.Where(s => s.SnapshotId is not null).OrderBy(s => s.StepSeq).First();
        var snapshot = await store.GetSnapshotAsync(first.SnapshotId!, Ct);
        return [.. snapshot!.Skip(1).Select(MessageJson.Deserialize)];
    }

    [Fact]
    public async Task A_task_in_a_new_session_starts_with_what_the_user_said_in_an_earlier_one()
    {
        await using var kit = await ContextAssemblyKit.CreateAsync(Ct);
        using var embeddings = new MiniLmEmbeddingGenerator();
        var memory = new MemoryService(kit.Store, embeddings);
        using var ingestor = new SessionMemoryIngestor(memory);
        var runtime = Runtime(kit.Store, new ContextAssembler(memory));
        var earlier = await kit.NewSessionAsync(Ct);
        var now = await kit.NewSessionAsync(Ct);

        await runtime.RunAsync(Chat, "Please note that I am severely allergic to peanuts.", kit.CustomerId, earlier, Ct);
        await ingestor.IngestAsync(Ct);
        var task = await runtime.RunAsync(Chat, "Which snacks on the flight should I avoid because of my allergy?", kit.CustomerId, now, Ct);

        Assert.Equal(AgentTaskStatus.Succeeded, task.Status);
        var prompt = await FirstPromptAsync(kit.Store, task.Id);
        Assert.Equal("system", prompt[0].Role.Value);
        Assert.Contains("user: Please note that I am severely allergic to peanuts.", prompt[1].Text, StringComparison.Ordinal);
        Assert.Equal("Which snacks on the flight should I avoid because of my allergy?", prompt[^1].Text);

        // The same run without a source starts from the (empty) session alone: the runtime's old behaviour.
        var plain = await Runtime(kit.Store, null).RunAsync(Chat, "Which snacks should I avoid?", kit.CustomerId, await kit.NewSessionAsync(Ct), Ct);
        Assert.Equal(["system", "user"], (await FirstPromptAsync(kit.Store, plain.Id)).Select(m => m.Role.Value));
    }

    [Fact]
    public async Task AddKeelMemory_wires_the_assembler_into_the_runtime_and_runs_ingestion_in_the_host()
    {
        await using var kit = await ContextAssemblyKit.CreateAsync(Ct);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddSingleton<IKeelStore>(kit.Store);
        builder.Services.AddKeelMemory(memory => memory.Ingestion = new MemoryIngestionOptions { Interval = TimeSpan.FromHours(1) });
        builder.Services.AddKeel(keel => keel.Models = Models());
        using var host = builder.Build();

        Assert.IsType<ContextAssembler>(host.Services.GetRequiredService<AgentRuntime>().SessionContext);
        Assert.IsType<MiniLmEmbeddingGenerator>(host.Services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        await host.StartAsync(Ct);
        try
        {
            var session = await kit.NewSessionAsync(Ct);
            await host.Services.GetRequiredService<AgentRuntime>().RunAsync(Chat, "My seat preference is the aisle.", kit.CustomerId, session, Ct);

            await host.Services.GetRequiredService<MemoryIngestionService>().IngestNowAsync(Ct);

            var memories = await kit.Store.ListMemoriesAsync(new MemoryFilter(new MemoryScope(kit.CustomerId, sessionId: session)), cancellationToken: Ct);
            Assert.Equal(2, memories.Count);
            Assert.All(memories, m => Assert.Equal("concierge", m.Scope.AgentId));
            Assert.Contains(memories, m => m.Text == "user: My seat preference is the aisle.");
        }
        finally
        {
            await host.StopAsync(Ct);
        }
    }
}
