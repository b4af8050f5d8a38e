using Keel.Journal;
using Keel.Sessions;
using Keel.Tasks;
using Xunit;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    private static SessionMessage Said(string role, string text, string? taskId = null, int tokens = 7, int atMs = 0) =>
        new("ignored", 0, taskId, role, $$"""{"role":"{{role}}","content":"{{text}}"}""", tokens, StoreSamples.At(atMs));

    private static StepCommit StepWithSessionMessages(AgentTask task, int seq, params SessionMessage[] messages) => new()
    {
        Step = StoreSamples.NewStep(task.Id, seq, kind: StepKind.Step) with { Name = "session.append" },
        SessionMessages = [.. messages.Select(m => m with { SessionId = task.SessionId!, TaskId = task.Id })],
    };

    [Fact]
    public async Task AppendSessionMessagesAsync_NewSession_CreatesItAndNumbersMessagesFromOne()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);

        var stored = await Store.AppendSessionMessagesAsync(customer.Id, "sess_chat", [Said("user", "Hi ✓", atMs: 5), Said("assistant", "Hello", tokens: 3)], Ct);

        Assert.Equal([1L, 2L], stored.Select(m => m.Seq));
        Assert.All(stored, m => Assert.Equal("sess_chat", m.SessionId));
        var read = await Store.GetSessionMessagesAsync(customer.Id, "sess_chat", cancellationToken: Ct);
        Assert.Equal(stored, read);
        Assert.Equal("""{"role":"user","content":"Hi ✓"}""", read[0].Content);
        Assert.Equal(StoreSamples.At(5), read[0].CreatedAt);
        Assert.Equal(3, read[1].Tokens);
        Assert.Null(read[0].TaskId);
        Assert.Equal(customer.Id, (await Store.EnsureSessionAsync("sess_chat", "cus_other", Ct)).CustomerId);
    }

    [Fact]
    public async Task GetSessionMessagesAsync_Newest_ReturnsTheLastOnesInOrder()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        await Store.AppendSessionMessagesAsync(customer.Id, "sess_chat", [.. Enumerable.Range(1, 5).Select(i => Said("user", $"m{i}"))], Ct);

        var newest = await Store.GetSessionMessagesAsync(customer.Id, "sess_chat", newest: 2, Ct);

        Assert.Equal([4L, 5L], newest.Select(m => m.Seq));
        Assert.Contains("m5", newest[1].Content, StringComparison.Ordinal);
        Assert.Empty(await Store.GetSessionMessagesAsync(customer.Id, "sess_chat", newest: 0, Ct));
        Assert.Empty(await Store.GetSessionMessagesAsync(customer.Id, "sess_unknown", cancellationToken: Ct));
    }

    [Fact]
    public async Task Sessions_OfAnotherCustomer_AreInvisibleAndRefuseWrites()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var globex = await Store.EnsureCustomerAsync("globex", Ct);
        await Store.AppendSessionMessagesAsync(acme.Id, "sess_acme", [Said("user", "secret plan")], Ct);
        await Store.SetSessionStateAsync(acme.Id, "sess_acme", "agent", "{}", Ct);

        Assert.Empty(await Store.GetSessionMessagesAsync(globex.Id, "sess_acme", cancellationToken: Ct));
        Assert.Null(await Store.GetSessionStateAsync(globex.Id, "sess_acme", "agent", Ct));
        Assert.False(await Store.DeleteSessionStateAsync(globex.Id, "sess_acme", "agent", Ct));
        await Assert.ThrowsAsync<StoreException>(async () => await Store.AppendSessionMessagesAsync(globex.Id, "sess_acme", [Said("user", "injected")], Ct));
        await Assert.ThrowsAsync<StoreException>(async () => await Store.SetSessionStateAsync(globex.Id, "sess_acme", "agent", "{\"x\":1}", Ct));

        var acmes = await Store.GetSessionMessagesAsync(acme.Id, "sess_acme", cancellationToken: Ct);
        Assert.Contains("secret plan", Assert.Single(acmes).Content, StringComparison.Ordinal);
        Assert.Equal("{}", await Store.GetSessionStateAsync(acme.Id, "sess_acme", "agent", Ct));
    }

    [Fact]
    public async Task CommitStepAsync_WithSessionMessages_WritesThemAfterEarlierOnes()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var session = await Store.CreateSessionAsync(customer.Id, Ct);
        await Store.AppendSessionMessagesAsync(customer.Id, session.Id, [Said("user", "before")], Ct);
        var task = StoreSamples.NewTask(customer.Id) with { SessionId = session.Id };
        await Store.CreateTaskAsync(task, Ct);

        await Store.CommitStepAsync(StepWithSessionMessages(task, 1, Said("user", "question"), Said("assistant", "answer")), Ct);

        var messages = await Store.GetSessionMessagesAsync(customer.Id, session.Id, cancellationToken: Ct);
        Assert.Equal([1L, 2L, 3L], messages.Select(m => m.Seq));
        Assert.Equal([null, task.Id, task.Id], messages.Select(m => m.TaskId));
        Assert.Equal(["user", "user", "assistant"], messages.Select(m => m.Role));
    }

    [Fact]
    public async Task CommitStepAsync_SessionMessagesIntoAnotherCustomersSession_RefusesTheWholeCommit()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var globex = await Store.EnsureCustomerAsync("globex", Ct);
        var acmeSession = await Store.CreateSessionAsync(acme.Id, Ct);
        var task = StoreSamples.NewTask(globex.Id);
        await Store.CreateTaskAsync(task, Ct);
        var intruder = task with { SessionId = acmeSession.Id };

        await Assert.ThrowsAsync<StoreException>(async () => await Store.CommitStepAsync(StepWithSessionMessages(intruder, 1, Said("user", "injected")), Ct));

        Assert.Empty(await Store.GetSessionMessagesAsync(acme.Id, acmeSession.Id, cancellationToken: Ct));
        Assert.Empty(await Store.GetStepsAsync(task.Id, Ct));
    }

    [Fact]
    public async Task CommitStepAsync_SessionMessageWithoutTask_IsRefused()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var session = await Store.CreateSessionAsync(customer.Id, Ct);
        var task = StoreSamples.NewTask(customer.Id) with { SessionId = session.Id };
        await Store.CreateTaskAsync(task, Ct);
        var commit = StepWithSessionMessages(task, 1, Said("user", "hi"));

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await Store.CommitStepAsync(commit with { SessionMessages = [commit.SessionMessages[0] with { TaskId = null }] }, Ct));

        Assert.Empty(await Store.GetStepsAsync(task.Id, Ct));
    }

    [Fact]
    public async Task CommitStepAsync_ConcurrentTasksInOneSession_GetDistinctGaplessSeqs()
    {
        const int taskCount = 12;
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var session = await Store.CreateSessionAsync(customer.Id, Ct);
        var tasks = new List<AgentTask>();
        for (var i = 0; i < taskCount; i++)
        {
            var task = StoreSamples.NewTask(customer.Id, createdAtMs: i) with { SessionId = session.Id };
            await Store.CreateTaskAsync(task, Ct);
            tasks.Add(task);
        }

        await Task.WhenAll(tasks.Select(t => Task.Run(async () =>
        {
            await Store.CommitStepAsync(StepWithSessionMessages(t, 1, Said("user", $"q {t.Id}"), Said("assistant", $"a {t.Id}")), Ct);
            await Store.AppendSessionMessagesAsync(customer.Id, session.Id, [Said("user", $"outside {t.Id}")], Ct);
        }, Ct)));

        var messages = await Store.GetSessionMessagesAsync(customer.Id, session.Id, cancellationToken: Ct);
        Assert.Equal(Enumerable.Range(1, taskCount * 3).Select(i => (long)i), messages.Select(m => m.Seq));
        foreach (var task in tasks)
        {
            // A commit's messages stay together and in order.
            var own = messages.Where(m => m.TaskId == task.Id).ToList();
            Assert.Equal(2, own.Count);
            Assert.Equal(own[0].Seq + 1, own[1].Seq);
            Assert.Equal("assistant", own[1].Role);
        }
    }

    [Fact]
    public async Task SessionState_SetGetReplaceDelete_RoundTrips()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);

        Assert.Null(await Store.GetSessionStateAsync(customer.Id, "sess_state", "maf:agent", Ct));
        await Store.SetSessionStateAsync(customer.Id, "sess_state", "maf:agent", """{"v":1}""", Ct);
        await Store.SetSessionStateAsync(customer.Id, "sess_state", "other", "x", Ct);
        Assert.Equal("""{"v":1}""", await Store.GetSessionStateAsync(customer.Id, "sess_state", "maf:agent", Ct));

        await Store.SetSessionStateAsync(customer.Id, "sess_state", "maf:agent", """{"v":2,"text":"café ✓"}""", Ct);
        Assert.Equal("""{"v":2,"text":"café ✓"}""", await Store.GetSessionStateAsync(customer.Id, "sess_state", "maf:agent", Ct));

        Assert.True(await Store.DeleteSessionStateAsync(customer.Id, "sess_state", "maf:agent", Ct));
        Assert.False(await Store.DeleteSessionStateAsync(customer.Id, "sess_state", "maf:agent", Ct));
        Assert.Null(await Store.GetSessionStateAsync(customer.Id, "sess_state", "maf:agent", Ct));
        Assert.Equal("x", await Store.GetSessionStateAsync(customer.Id, "sess_state", "other", Ct));
    }

    [Fact]
    public async Task ClearSessionAsync_ForgetsMessagesAndStateAndNumbersAfreshButSparesOtherCustomers()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var globex = await Store.EnsureCustomerAsync("globex", Ct);
        await Store.AppendSessionMessagesAsync(acme.Id, "sess_forget", [Said("user", "one"), Said("assistant", "two")], Ct);
        await Store.SetSessionStateAsync(acme.Id, "sess_forget", "agent", "{}", Ct);

        Assert.Equal(0, await Store.ClearSessionAsync(globex.Id, "sess_forget", Ct));
        Assert.Equal(2, (await Store.GetSessionMessagesAsync(acme.Id, "sess_forget", cancellationToken: Ct)).Count);

        Assert.Equal(2, await Store.ClearSessionAsync(acme.Id, "sess_forget", Ct));
        Assert.Empty(await Store.GetSessionMessagesAsync(acme.Id, "sess_forget", cancellationToken: Ct));
        Assert.Null(await Store.GetSessionStateAsync(acme.Id, "sess_forget", "agent", Ct));
        var again = await Store.AppendSessionMessagesAsync(acme.Id, "sess_forget", [Said("user", "fresh")], Ct);
        Assert.Equal(1L, Assert.Single(again).Seq);
    }
}
