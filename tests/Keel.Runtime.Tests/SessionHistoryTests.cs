using Keel.Agents;
using Keel.Context;
using Keel.Journal;
using Keel.Metering;
using Keel.Pricing;
using Keel.Resilience;
using Keel.Routing;
using Keel.Sessions;
using Keel.Storage;
using Keel.Tasks;
using Microsoft.Extensions.AI;

using Xunit;

namespace Keel.Runtime.Tests;

public sealed class SessionHistoryTests
{
    private static readonly ResilienceOptions Fast = new() { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1), AttemptTimeout = TimeSpan.FromSeconds(5) };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AgentRuntime Runtime(TempStore temp) =>
        new(temp.Store, new ResilientModelCaller(new ModelCatalog([new ModelRoute("m", [Sim.Deployment("a")])]), Fast), new UsageMeter(PriceTable.Default));

    private static ToolLoopAgent Chat(SessionHistoryPolicy? history = null) => new()
    {
        Name = "chat",
        Model = "m",
        Instructions = "You are a helpful assistant.",
        History = history ?? SessionHistoryPolicy.Default,
    };

    /// <summary>The messages the task's first model call was sent (the snapshot without its request line).</summary>
    private static async Task<List<ChatMessage>> FirstPromptAsync(IKeelStore store, string taskId)
    {
        var spans = await store.GetSpansAsync(taskId, Ct);
        var first = spans.Where(s => s.SnapshotId is not null).OrderBy(s => s.StepSeq).First();
        var snapshot = await store.GetSnapshotAsync(first.SnapshotId!, Ct);
        return [.. snapshot!.Skip(1).Select(MessageJson.Deserialize)];
    }

    [Fact]
    public async Task A_second_task_in_a_session_starts_from_the_first_tasks_conversation()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", Ct);
        var session = await temp.Store.CreateSessionAsync(customer.Id, Ct);
        var runtime = Runtime(temp);

        var first = await runtime.RunAsync(Chat(), "My name is Ada and I like lighthouses.", customer.Id, session.Id, Ct);
        var second = await runtime.RunAsync(Chat(), "What is my name?", customer.Id, session.Id, Ct);

        Assert.Equal(AgentTaskStatus.Succeeded, second.Status);
        var prompt = await FirstPromptAsync(temp.Store, second.Id);
        Assert.Equal(["system", "user", "assistant", "user"], prompt.Select(m => m.Role.Value));
        Assert.Equal("My name is Ada and I like lighthouses.", prompt[1].Text);
        Assert.Equal(first.Output, prompt[2].Text);
        Assert.Equal("What is my name?", prompt[3].Text);

        var messages = await temp.Store.GetSessionMessagesAsync(customer.Id, session.Id, cancellationToken: Ct);
        Assert.Equal([1L, 2L, 3L, 4L], messages.Select(m => m.Seq));
        Assert.Equal([first.Id, first.Id, second.Id, second.Id], messages.Select(m => m.TaskId));
        Assert.Equal(second.Output, SessionMessages.ToChatMessage(messages[3]).Text);
        var steps = await temp.Store.GetStepsAsync(second.Id, Ct);
        Assert.Equal(["session.history", "m", "session.append"], steps.Select(s => s.Name));
    }

    [Fact]
    public async Task A_task_without_a_session_takes_no_session_steps()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", Ct);

        var task = await Runtime(temp).RunAsync(Chat(), "Hello", customer.Id, cancellationToken: Ct);

        Assert.Equal(AgentTaskStatus.Succeeded, task.Status);
        Assert.Equal([StepKind.Model], (await temp.Store.GetStepsAsync(task.Id, Ct)).Select(s => s.Kind));
        Assert.Equal(["system", "user"], (await FirstPromptAsync(temp.Store, task.Id)).Select(m => m.Role.Value));
    }

    [Fact]
    public async Task The_token_budget_keeps_the_newest_messages_and_notes_how_many_were_left_out()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", Ct);
        var session = await temp.Store.CreateSessionAsync(customer.Id, Ct);
        var said = Enumerable.Range(1, 30)
            .Select(i => new ChatMessage(i % 2 == 1 ? ChatRole.User : ChatRole.Assistant, $"message number {i} about the quarterly shipping report"))
            .Select(m => SessionMessages.From(m, session.Id, null, DateTimeOffset.UnixEpoch))
            .ToList();
        await temp.Store.AppendSessionMessagesAsync(customer.Id, session.Id, said, Ct);
        var policy = new SessionHistoryPolicy { MaxTokens = 100 };

        var task = await Runtime(temp).RunAsync(Chat(policy), "And now?", customer.Id, session.Id, Ct);

        var prompt = await FirstPromptAsync(temp.Store, task.Id);
        var history = prompt.Skip(1).SkipLast(1).ToList(); // between the instructions and the new question
        var kept = history.Count - 1;
        Assert.True(kept is > 0 and < 30, $"kept {kept}");
        Assert.Equal(ChatRole.System, history[0].Role);
        Assert.Equal($"[Session history: {30 - kept} earlier messages were left out to fit the context budget.]", history[0].Text);
        Assert.Equal(said.TakeLast(kept).Select(m => SessionMessages.ToChatMessage(m).Text), history.Skip(1).Select(m => m.Text));
        Assert.True(history.Sum(SessionMessages.Tokens) <= policy.MaxTokens);
        var oneMore = SessionMessages.Tokens(SessionMessages.ToChatMessage(said[^(kept + 1)]));
        Assert.True(history.Sum(SessionMessages.Tokens) + oneMore > policy.MaxTokens, "the budget could have held one more message");
    }

    [Fact]
    public void The_policy_never_starts_the_history_with_a_tool_result_whose_call_was_left_out()
    {
        var call = new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("c1", "lookup", new Dictionary<string, object?> { ["q"] = "x" })]);
        var result = new ChatMessage(ChatRole.Tool, [new FunctionResultContent("c1", string.Concat(Enumerable.Repeat("a long result ", 40)))]);
        var answer = new ChatMessage(ChatRole.Assistant, "done");
        var stored = new[] { new ChatMessage(ChatRole.User, "look it up"), call, result, answer }
            .Select((m, i) => SessionMessages.From(m, "s", null, DateTimeOffset.UnixEpoch) with { Seq = i + 1 })
            .ToList();
        var budget = stored[2].Tokens + stored[3].Tokens; // the result and the answer fit; the call does not

        var history = new SessionHistoryPolicy { MaxTokens = budget }.Select(stored);

        Assert.Equal(["system", "assistant"], history.Select(m => m.Role.Value));
        Assert.Contains("3 earlier messages", history[0].Text, StringComparison.Ordinal);
        Assert.Equal("done", history[1].Text);
    }

    [Fact]
    public void A_history_that_fits_has_no_note()
    {
        var stored = new[] { new ChatMessage(ChatRole.User, "hi"), new ChatMessage(ChatRole.Assistant, "hello") }
            .Select((m, i) => SessionMessages.From(m, "s", null, DateTimeOffset.UnixEpoch) with { Seq = i + 1 })
            .ToList();

        var history = SessionHistoryPolicy.Default.Select(stored);

        Assert.Equal(["hi", "hello"], history.Select(m => m.Text));
    }

    [Fact]
    public async Task Tasks_in_different_sessions_do_not_see_each_others_history()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", Ct);
        var mine = await temp.Store.CreateSessionAsync(customer.Id, Ct);
        var theirs = await temp.Store.CreateSessionAsync(customer.Id, Ct);
        var runtime = Runtime(temp);

        await runtime.RunAsync(Chat(), "The secret word is marmalade.", customer.Id, mine.Id, Ct);
        var other = await runtime.RunAsync(Chat(), "What is the secret word?", customer.Id, theirs.Id, Ct);

        var prompt = await FirstPromptAsync(temp.Store, other.Id);
        Assert.Equal(["system", "user"], prompt.Select(m => m.Role.Value));
        Assert.DoesNotContain(prompt, m => m.Text.Contains("marmalade", StringComparison.Ordinal));
        Assert.Equal(2, (await temp.Store.GetSessionMessagesAsync(customer.Id, theirs.Id, cancellationToken: Ct)).Count);
    }

    [Fact]
    public async Task Concurrent_tasks_in_one_session_get_distinct_sequence_numbers()
    {
        const int taskCount = 8;
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", Ct);
        var session = await temp.Store.CreateSessionAsync(customer.Id, Ct);
        var runtime = Runtime(temp);

        var tasks = await Task.WhenAll(Enumerable.Range(0, taskCount)
            .Select(i => Task.Run(() => runtime.RunAsync(Chat(), $"question {i}", customer.Id, session.Id, Ct), Ct)));

        Assert.All(tasks, t => Assert.Equal(AgentTaskStatus.Succeeded, t.Status));
        var messages = await temp.Store.GetSessionMessagesAsync(customer.Id, session.Id, cancellationToken: Ct);
        Assert.Equal(Enumerable.Range(1, taskCount * 2).Select(i => (long)i), messages.Select(m => m.Seq));
        foreach (var task in tasks)
        {
            var own = messages.Where(m => m.TaskId == task.Id).ToList();
            Assert.Equal(["user", "assistant"], own.Select(m => m.Role));
            Assert.Equal(own[0].Seq + 1, own[1].Seq);
        }
    }

    [Fact]
    public async Task A_resumed_task_sees_the_history_it_saw_before_and_appends_only_once()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", Ct);
        var session = await temp.Store.CreateSessionAsync(customer.Id, Ct);
        await temp.Store.AppendSessionMessagesAsync(customer.Id, session.Id, [SessionMessages.From(new ChatMessage(ChatRole.User, "earlier"), session.Id, null, DateTimeOffset.UnixEpoch)], Ct);
        var runtime = Runtime(temp);
        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var runs = 0;
        var seen = new List<string>();
        var agent = new DelegateAgent("chat", async (context, token) =>
        {
            var history = await context.GetSessionHistoryAsync(cancellationToken: token);
            seen.Add(string.Join("|", history.Select(m => m.Text)));
            await context.AppendToSessionAsync([new ChatMessage(ChatRole.User, "q"), new ChatMessage(ChatRole.Assistant, "a")], token);
            if (++runs == 1)
            {
                await shutdown.CancelAsync(); // the worker shuts down right after the append committed
                token.ThrowIfCancellationRequested();
            }

            return "done";
        });
        var submitted = await runtime.SubmitAsync("chat", "go", customer.Id, session.Id, Ct);
        var claimed = await temp.Store.ClaimTaskAsync(new TaskClaim("w1", ["chat"], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1)), Ct);
        Assert.Equal(submitted.Id, claimed!.Id);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runtime.ExecuteAsync(claimed, agent, "w1", cancellationToken: shutdown.Token));
        await temp.Store.AppendSessionMessagesAsync(customer.Id, session.Id, [SessionMessages.From(new ChatMessage(ChatRole.User, "meanwhile"), session.Id, null, DateTimeOffset.UnixEpoch)], Ct);
        var reclaimed = await temp.Store.ClaimTaskAsync(new TaskClaim("w2", ["chat"], DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1)), Ct);
        var done = await runtime.ExecuteAsync(reclaimed!, agent, "w2", cancellationToken: Ct);

        Assert.Equal(AgentTaskStatus.Succeeded, done.Status);
        Assert.Equal(["earlier", "earlier"], seen);
        var messages = await temp.Store.GetSessionMessagesAsync(customer.Id, session.Id, cancellationToken: Ct);
        Assert.Equal(["earlier", "q", "a", "meanwhile"], messages.Select(m => SessionMessages.ToChatMessage(m).Text));
    }

    [Fact]
    public async Task Session_steps_refuse_a_task_without_a_session()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", Ct);
        var agent = new DelegateAgent("chat", async (context, token) =>
        {
            await context.GetSessionHistoryAsync(cancellationToken: token);
            return "unreachable";
        });

        var task = await Runtime(temp).RunAsync(agent, "hi", customer.Id, cancellationToken: Ct);

        Assert.Equal(AgentTaskStatus.Failed, task.Status);
        Assert.Contains("has no session", task.Error, StringComparison.Ordinal);
        Assert.Empty(await temp.Store.GetStepsAsync(task.Id, Ct));
    }
}
