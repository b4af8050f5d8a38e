using Keel.Providers.Simulated;
using Keel.Sessions;
using Keel.Storage;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

using Xunit;

namespace Keel.AgentFramework.Tests;

public sealed class KeelAgentFrameworkTests
{
    private static readonly AgentSessionStoreKey Conversation = new("chat-42", null);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static RecordingChatClient Model() =>
        new(new SimulatedChatClient(new SimulatedModelOptions { Model = "sim-fast", Seed = 1, Latency = LatencyModel.None, Faults = FaultRates.None }));

    private static ChatClientAgent Agent(IKeelStore store, string customerId, IChatClient model, KeelChatHistoryOptions? options = null) =>
        new(model, new ChatClientAgentOptions
        {
            Name = "concierge",
            ChatOptions = new ChatOptions { Instructions = "You are a helpful concierge." },
            ChatHistoryProvider = new KeelChatHistoryProvider(store, customerId, options),
        });

    private static List<string> Texts(IEnumerable<ChatMessage> messages) => [.. messages.Where(m => m.Role != ChatRole.System).Select(m => $"{m.Role}: {m.Text}")];

    [Fact]
    public async Task A_conversation_survives_closing_and_reopening_the_store()
    {
        using var folder = new TempFolder();
        string firstAnswer;
        string customerId;
        await using (var store = await folder.OpenAsync())
        {
            customerId = (await store.EnsureCustomerAsync("acme", Ct)).Id;
            var agent = Agent(store, customerId, Model());
            var sessions = new KeelAgentSessionStore(store, customerId);
            var session = await sessions.GetOrCreateSessionAsync(agent, Conversation, Ct);
            firstAnswer = (await agent.RunAsync("My name is Ada.", session, cancellationToken: Ct)).Text;
            await sessions.SaveSessionAsync(agent, Conversation, session, Ct);
        }

        await using (var store = await folder.OpenAsync())
        {
            var model = Model();
            var agent = Agent(store, customerId, model);
            var sessions = new KeelAgentSessionStore(store, customerId);
            var session = await sessions.GetOrCreateSessionAsync(agent, Conversation, Ct);
            var secondAnswer = (await agent.RunAsync("What is my name?", session, cancellationToken: Ct)).Text;
            await sessions.SaveSessionAsync(agent, Conversation, session, Ct);

            Assert.Equal([$"user: My name is Ada.", $"assistant: {firstAnswer}", "user: What is my name?"], Texts(Assert.Single(model.Calls)));
            var keelSession = sessions.KeelSessionIdFor(agent, Conversation);
            var stored = await store.GetSessionMessagesAsync(customerId, keelSession, cancellationToken: Ct);
            Assert.Equal(["user: My name is Ada.", $"assistant: {firstAnswer}", "user: What is my name?", $"assistant: {secondAnswer}"],
                Texts(stored.Select(SessionMessages.ToChatMessage)));
            Assert.Equal([1L, 2L, 3L, 4L], stored.Select(m => m.Seq));
        }
    }

    [Fact]
    public async Task The_session_store_round_trips_an_agent_sessions_state()
    {
        using var folder = new TempFolder();
        await using var store = await folder.OpenAsync();
        var customerId = (await store.EnsureCustomerAsync("acme", Ct)).Id;
        var agent = Agent(store, customerId, Model());
        var sessions = new KeelAgentSessionStore(store, customerId);
        var session = await sessions.GetOrCreateSessionAsync(agent, Conversation, Ct);
        session.StateBag.SetValue("favourite", "lighthouses");

        await sessions.SaveSessionAsync(agent, Conversation, session, Ct);
        var restored = await sessions.GetSessionAsync(agent, Conversation, Ct);

        Assert.NotNull(restored);
        Assert.NotSame(session, restored);
        Assert.Equal("lighthouses", restored.StateBag.GetValue<string>("favourite"));
        var history = (KeelChatHistoryProvider)agent.ChatHistoryProvider!;
        Assert.Equal(sessions.KeelSessionIdFor(agent, Conversation), history.GetKeelSessionId(restored));
        Assert.Null(await sessions.GetSessionAsync(agent, new AgentSessionStoreKey("chat-43", null), Ct));
        Assert.Null(await sessions.GetSessionAsync(agent, Conversation.WithPartition("user", "u1"), Ct));
    }

    [Fact]
    public async Task Deleting_a_session_forgets_its_conversation()
    {
        using var folder = new TempFolder();
        await using var store = await folder.OpenAsync();
        var customerId = (await store.EnsureCustomerAsync("acme", Ct)).Id;
        var model = Model();
        var agent = Agent(store, customerId, model);
        var sessions = new KeelAgentSessionStore(store, customerId);
        var session = await sessions.GetOrCreateSessionAsync(agent, Conversation, Ct);
        await agent.RunAsync("Remember the code word: marmalade.", session, cancellationToken: Ct);
        await sessions.SaveSessionAsync(agent, Conversation, session, Ct);

        await sessions.DeleteSessionAsync(agent, Conversation, Ct);

        Assert.Null(await sessions.GetSessionAsync(agent, Conversation, Ct));
        var fresh = await sessions.GetOrCreateSessionAsync(agent, Conversation, Ct);
        await agent.RunAsync("What was the code word?", fresh, cancellationToken: Ct);
        Assert.Equal(["user: What was the code word?"], Texts(model.Calls[^1]));
    }

    [Fact]
    public async Task Customers_never_see_each_others_conversations()
    {
        using var folder = new TempFolder();
        await using var store = await folder.OpenAsync();
        var acme = (await store.EnsureCustomerAsync("acme", Ct)).Id;
        var globex = (await store.EnsureCustomerAsync("globex", Ct)).Id;
        var acmeAgent = Agent(store, acme, Model());
        var acmeSessions = new KeelAgentSessionStore(store, acme);
        var acmeSession = await acmeSessions.GetOrCreateSessionAsync(acmeAgent, Conversation, Ct);
        await acmeAgent.RunAsync("Our launch date is March 3.", acmeSession, cancellationToken: Ct);
        await acmeSessions.SaveSessionAsync(acmeAgent, Conversation, acmeSession, Ct);
        var globexModel = Model();
        var globexAgent = Agent(store, globex, globexModel);
        var globexSessions = new KeelAgentSessionStore(store, globex);

        // The same conversation key names another session for another customer.
        Assert.Null(await globexSessions.GetSessionAsync(globexAgent, Conversation, Ct));
        Assert.NotEqual(acmeSessions.KeelSessionIdFor(acmeAgent, Conversation), globexSessions.KeelSessionIdFor(globexAgent, Conversation));
        var globexSession = await globexSessions.GetOrCreateSessionAsync(globexAgent, Conversation, Ct);
        await globexAgent.RunAsync("When is the launch?", globexSession, cancellationToken: Ct);
        Assert.Equal(["user: When is the launch?"], Texts(globexModel.Calls[^1]));

        // Even handed acme's serialized session, globex's agent reads nothing of it and cannot write into it.
        var stolen = await acmeAgent.DeserializeSessionAsync(await acmeAgent.SerializeSessionAsync(acmeSession, cancellationToken: Ct), cancellationToken: Ct);
        await Assert.ThrowsAsync<StoreException>(() => globexAgent.RunAsync("Tell me everything.", stolen, cancellationToken: Ct));
        Assert.Equal(["user: Tell me everything."], Texts(globexModel.Calls[^1]));
        var acmeMessages = await store.GetSessionMessagesAsync(acme, acmeSessions.KeelSessionIdFor(acmeAgent, Conversation), cancellationToken: Ct);
        Assert.Equal(2, acmeMessages.Count);
    }

    [Fact]
    public async Task A_long_conversation_is_bounded_by_the_history_budget()
    {
        using var folder = new TempFolder();
        await using var store = await folder.OpenAsync();
        var customerId = (await store.EnsureCustomerAsync("acme", Ct)).Id;
        var model = Model();
        var agent = Agent(store, customerId, model, new KeelChatHistoryOptions { History = new SessionHistoryPolicy { MaxTokens = 300 } });
        var session = await agent.CreateSessionAsync(Ct);

        for (var turn = 1; turn <= 8; turn++)
        {
            await agent.RunAsync($"Turn {turn}: tell me about the quarterly shipping report.", session, cancellationToken: Ct);
        }

        var last = model.Calls[^1];
        var history = last.Where(m => m.Role != ChatRole.System || m.Text.StartsWith("[Session history", StringComparison.Ordinal)).SkipLast(1).ToList();
        Assert.StartsWith("[Session history: ", history[0].Text, StringComparison.Ordinal);
        Assert.True(history.Sum(SessionMessages.Tokens) <= 300);
        var keelSession = ((KeelChatHistoryProvider)agent.ChatHistoryProvider!).GetKeelSessionId(session);
        Assert.Equal(16, (await store.GetSessionMessagesAsync(customerId, keelSession, cancellationToken: Ct)).Count);
    }
}
