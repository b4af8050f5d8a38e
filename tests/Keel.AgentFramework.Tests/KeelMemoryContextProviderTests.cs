using Keel.Memory;
using Keel.Memory.Context;
using Keel.Memory.Embeddings;
using Keel.Providers.Simulated;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

using Xunit;

namespace Keel.AgentFramework.Tests;

public sealed class KeelMemoryContextProviderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static RecordingChatClient Model() =>
        new(new SimulatedChatClient(new SimulatedModelOptions { Model = "sim-fast", Seed = 1, Latency = LatencyModel.None, Faults = FaultRates.None }));

    [Fact]
    public async Task A_run_is_given_what_was_said_in_another_session_and_its_own_messages_become_memory()
    {
        using var folder = new TempFolder();
        await using var store = await folder.OpenAsync();
        var customerId = (await store.EnsureCustomerAsync("acme", Ct)).Id;
        using var embeddings = new MiniLmEmbeddingGenerator();
        var memory = new MemoryService(store, embeddings);
        var model = Model();
        var provider = new KeelMemoryContextProvider(memory, new ContextAssembler(memory), customerId);
        var agent = new ChatClientAgent(model, new ChatClientAgentOptions
        {
            Name = "concierge",
            ChatOptions = new ChatOptions { Instructions = "You are a helpful concierge." },
            ChatHistoryProvider = new KeelChatHistoryProvider(store, customerId),
            AIContextProviders = [provider],
        });

        var monday = await agent.CreateSessionAsync(Ct);
        var first = await agent.RunAsync("Please remember that my daughter is called Matilda.", monday, cancellationToken: Ct);
        var mondaySession = provider.GetKeelSessionId(monday);
        Assert.Equal(((KeelChatHistoryProvider)agent.ChatHistoryProvider!).GetKeelSessionId(monday), mondaySession);
        var stored = await store.ListMemoriesAsync(new MemoryFilter(new MemoryScope(customerId, sessionId: mondaySession)), cancellationToken: Ct);
        Assert.Equal(
            ["assistant: " + first.Text, "user: Please remember that my daughter is called Matilda."],
            stored.Select(m => m.Text).Order(StringComparer.Ordinal));

        var friday = await agent.CreateSessionAsync(Ct);
        await agent.RunAsync("What is my daughter's name?", friday, cancellationToken: Ct);

        var sent = model.Calls[^1];
        var memories = Assert.Single(sent, m => m.Role == ChatRole.System && m.Text.StartsWith("Relevant memories", StringComparison.Ordinal));
        Assert.Contains("user: Please remember that my daughter is called Matilda.", memories.Text, StringComparison.Ordinal);
        Assert.Contains(sent, m => m.Role == ChatRole.User && m.Text == "What is my daughter's name?");
        var context = provider.LastContext!;
        Assert.True(context.TotalTokens <= 1000);
        Assert.DoesNotContain(context.Included, i => i.Kind == ContextItemKind.RecentTurn);

        var fridayMessages = await store.GetSessionMessagesAsync(customerId, provider.GetKeelSessionId(friday), cancellationToken: Ct);
        Assert.Equal(["user", "assistant"], fridayMessages.Select(m => m.Role)); // the injected memories are not kept as conversation

        // The question of this run is in the request already: its own memory (stored after the first run) never repeats it.
        await agent.RunAsync("What is my daughter's name?", friday, cancellationToken: Ct);
        Assert.DoesNotContain("What is my daughter's name?", model.Calls[^1].Single(m => m.Text.StartsWith("Relevant memories", StringComparison.Ordinal)).Text, StringComparison.Ordinal);
    }
}
