using System.Collections.Concurrent;
using Keel.Context;
using Keel.Forks;
using Keel.Journal;
using Keel.Metering;
using Keel.Pricing;
using Keel.Resilience;
using Keel.Routing;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Workers;
using Microsoft.Extensions.AI;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>
/// Fork and replay: a fork reuses its source's steps before N without running them again (or paying for them),
/// runs step N on live, and can do so on another model or from an edited result.
/// </summary>
public sealed class ForkTests
{
    private static readonly ResilienceOptions Fast = new() { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1), AttemptTimeout = TimeSpan.FromSeconds(5) };

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_fork_from_step_N_reuses_the_steps_before_N_and_runs_the_rest_live()
    {
        await using var world = await World.CreateAsync();
        var source = await world.RunSourceAsync();

        var fork = await TaskForks.RunAsync(world.Runtime, world.Agents, source.Id, 3, cancellationToken: Token);

        Assert.Equal(AgentTaskStatus.Succeeded, fork.Task.Status);
        Assert.Equal((source.Id, 2, (int?)3, (int?)null), (fork.SourceTaskId, fork.ReusedSteps, fork.Task.ForkedAtStep, fork.EditedStep));
        Assert.Equal(source.Id, fork.Task.ForkedFrom);
        Assert.Equal((source.Agent, source.CustomerId, source.Input), (fork.Task.Agent, fork.Task.CustomerId, fork.Task.Input));
        Assert.Equal(1, world.Picks); // step 1 (StepAsync) was not run again
        Assert.Equal(2, world.Lookups); // step 3 (the tool) was
        Assert.Equal(3, world.Default.Calls.Count); // step 2 (the first model call) was not; step 4 was
        var sourceSteps = await world.Store.GetStepsAsync(source.Id, Token);
        var forkSteps = await world.Store.GetStepsAsync(fork.Task.Id, Token);
        Assert.Equal([1, 2, 3, 4], forkSteps.Select(s => s.Seq));
        Assert.Equal(sourceSteps.Take(2).Select(s => (s.Kind, s.Name, s.Result, s.InputTokens, s.StartedAt)), forkSteps.Take(2).Select(s => (s.Kind, s.Name, s.Result, s.InputTokens, s.StartedAt)));
        // The live model step was sent the reused model step's answer.
        var reusedAnswer = MessageJson.Deserialize(sourceSteps[1].Result!).Text;
        Assert.Contains(world.Default.Calls[^1], m => m.Role == ChatRole.Assistant && m.Text == reusedAnswer);
    }

    [Fact]
    public async Task Reused_steps_carry_no_usage_and_spans_that_name_the_source()
    {
        await using var world = await World.CreateAsync();
        var source = await world.RunSourceAsync();
        var sourceUsage = await world.Store.GetUsageAsync(source.Id, Token);

        var fork = await TaskForks.RunAsync(world.Runtime, world.Agents, source.Id, 4, cancellationToken: Token);

        var usage = await world.Store.GetUsageAsync(fork.Task.Id, Token);
        Assert.Equal([4], usage.Select(u => u.StepSeq));
        Assert.Equal(sourceUsage.Count, (await world.Store.GetUsageAsync(source.Id, Token)).Count);
        var summary = (await world.Store.GetTaskSummaryAsync(fork.Task.Id, Token))!;
        Assert.Equal(usage.Sum(u => u.CostUsd), summary.CostUsd);
        Assert.True(summary.CostUsd < sourceUsage.Sum(u => u.CostUsd)); // the tool's $0.01 and the first call stay the source's

        var spans = await world.Store.GetSpansAsync(fork.Task.Id, Token);
        var (traceId, rootSpanId) = TraceIds.ForTask(fork.Task.Id);
        for (var seq = 1; seq <= 3; seq++)
        {
            var span = Assert.Single(spans, s => s.StepSeq == seq);
            Assert.Equal(source.Id, span.Attributes[TaskForks.ReusedFromAttribute]);
            Assert.Equal((traceId, rootSpanId), (span.TraceId, span.ParentSpanId));
        }

        var reusedChat = Assert.Single(spans, s => s.StepSeq == 2);
        Assert.Equal("chat m", reusedChat.Name);
        Assert.NotNull(reusedChat.SnapshotId); // the context window the source's model saw
        Assert.Equal(0L, reusedChat.Attributes[GenAiAttributes.KeelCostUsd]);
        Assert.All(spans.Where(s => s.StepSeq == 4), s => Assert.False(s.Attributes.ContainsKey(TaskForks.ReusedFromAttribute)));
    }

    [Fact]
    public async Task A_fork_left_pending_is_run_by_a_worker_and_replays_the_reused_steps()
    {
        await using var world = await World.CreateAsync();
        var source = await world.RunSourceAsync();

        var fork = await TaskForks.ForkAsync(world.Store, source.Id[..20], 3, cancellationToken: Token);

        var pending = (await world.Store.FindTaskAsync(fork.Task.Id, Token))!;
        Assert.Equal(AgentTaskStatus.Pending, pending.Status);
        Assert.Equal((source.Id, (int?)3), (pending.ForkedFrom, pending.ForkedAtStep));
        Assert.Equal([1, 2], (await world.Store.GetStepsAsync(fork.Task.Id, Token)).Select(s => s.Seq));
        Assert.Empty(await world.Store.GetUsageAsync(fork.Task.Id, Token));

        await new TaskWorkerPool(world.Runtime, world.Agents).DrainAsync(Token);

        Assert.Equal(AgentTaskStatus.Succeeded, (await world.Store.FindTaskAsync(fork.Task.Id, Token))!.Status);
        Assert.Equal((1, 2, 3), (world.Picks, world.Lookups, world.Default.Calls.Count));
    }

    [Fact]
    public async Task A_fork_from_one_past_the_last_step_reuses_them_all_and_calls_nothing()
    {
        await using var world = await World.CreateAsync();
        var source = await world.RunSourceAsync();

        var fork = await TaskForks.RunAsync(world.Runtime, world.Agents, source.Id, 5, cancellationToken: Token);

        Assert.Equal(AgentTaskStatus.Succeeded, fork.Task.Status);
        Assert.Equal(source.Output, fork.Task.Output);
        Assert.Equal((1, 1, 2), (world.Picks, world.Lookups, world.Default.Calls.Count));
        Assert.Empty(await world.Store.GetUsageAsync(fork.Task.Id, Token));
        Assert.Equal(0m, (await world.Store.GetTaskSummaryAsync(fork.Task.Id, Token))!.CostUsd);
    }

    [Fact]
    public async Task Set_model_makes_the_live_model_steps_call_the_other_alias()
    {
        await using var world = await World.CreateAsync();
        var source = await world.RunSourceAsync();

        var fork = await TaskForks.RunAsync(world.Runtime, world.Agents, source.Id, 3, new ForkOptions { ModelOverride = "big" }, Token);

        Assert.Equal(AgentTaskStatus.Succeeded, fork.Task.Status);
        Assert.Equal("big", fork.Task.ModelOverride);
        Assert.Equal(2, world.Default.Calls.Count); // no further call on the agent's own alias
        Assert.Single(world.Big.Calls);
        var steps = await world.Store.GetStepsAsync(fork.Task.Id, Token);
        Assert.Equal(("m", "big"), (steps[1].Name, steps[3].Name));
        Assert.Equal("b", Assert.Single(await world.Store.GetUsageAsync(fork.Task.Id, Token), u => u.StepSeq == 4).Deployment);
    }

    [Fact]
    public async Task A_fork_of_a_fork_keeps_its_model_override()
    {
        await using var world = await World.CreateAsync();
        var source = await world.RunSourceAsync();
        var first = await TaskForks.RunAsync(world.Runtime, world.Agents, source.Id, 2, new ForkOptions { ModelOverride = "big" }, Token);

        var second = await TaskForks.RunAsync(world.Runtime, world.Agents, first.Task.Id, 4, cancellationToken: Token);
        var changed = await Assert.ThrowsAsync<ForkException>(() => TaskForks.ForkAsync(world.Store, first.Task.Id, 3, new ForkOptions { ModelOverride = "m" }, Token));

        Assert.Equal(AgentTaskStatus.Succeeded, second.Task.Status);
        Assert.Equal("big", second.Task.ModelOverride);
        Assert.Equal(3, world.Big.Calls.Count); // first: steps 2 and 4; second: step 4
        Assert.Contains("must keep 'big'", changed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edited_tool_result_is_what_the_agent_sees_at_the_fork_point()
    {
        await using var world = await World.CreateAsync();
        var source = await world.RunSourceAsync();

        var fork = await TaskForks.RunAsync(world.Runtime, world.Agents, source.Id, 4, new ForkOptions { EditMessage = "hail storms" }, Token);

        Assert.Equal(AgentTaskStatus.Succeeded, fork.Task.Status);
        Assert.Equal(3, fork.EditedStep);
        Assert.Equal(1, world.Lookups); // the tool did not run again: its result was replaced
        Assert.StartsWith("lisbon|hail storms|", fork.Task.Output, StringComparison.Ordinal);
        Assert.Contains(world.Default.Calls[^1], m => m.Role == ChatRole.User && m.Text == "The tool says: hail storms");
        var steps = await world.Store.GetStepsAsync(fork.Task.Id, Token);
        Assert.Equal("hail storms", steps[2].Result);
        Assert.Equal("sunny", (await world.Store.GetStepsAsync(source.Id, Token))[2].Result); // the source is untouched
        var edited = Assert.Single(await world.Store.GetSpansAsync(fork.Task.Id, Token), s => s.StepSeq == 3);
        Assert.Equal(true, edited.Attributes[TaskForks.EditedAttribute]);
    }

    [Fact]
    public async Task An_edited_failed_tool_step_succeeds_with_the_result_it_should_have_had()
    {
        await using var world = await World.CreateAsync();
        world.LookupFails = true;
        var source = await world.RunSourceAsync();
        Assert.Equal(AgentTaskStatus.Failed, source.Status);
        world.LookupFails = false;

        var fork = await TaskForks.RunAsync(world.Runtime, world.Agents, source.Id, 4, new ForkOptions { EditMessage = "drizzle" }, Token);

        Assert.Equal(AgentTaskStatus.Succeeded, fork.Task.Status);
        Assert.StartsWith("lisbon|drizzle|", fork.Task.Output, StringComparison.Ordinal);
        var step = (await world.Store.GetStepsAsync(fork.Task.Id, Token))[2];
        Assert.Equal((StepStatus.Succeeded, (string?)null), (step.Status, step.Error));
    }

    [Fact]
    public async Task An_edited_model_step_keeps_its_role_and_replaces_its_text()
    {
        await using var world = await World.CreateAsync();
        var source = await world.RunSourceAsync();

        var fork = await TaskForks.RunAsync(world.Runtime, world.Agents, source.Id, 3, new ForkOptions { EditMessage = "Take an umbrella." }, Token);

        var reused = MessageJson.Deserialize((await world.Store.GetStepsAsync(fork.Task.Id, Token))[1].Result!);
        Assert.Equal((ChatRole.Assistant, "Take an umbrella."), (reused.Role, reused.Text));
        Assert.Contains(world.Default.Calls[^1], m => m.Role == ChatRole.Assistant && m.Text == "Take an umbrella.");
    }

    [Fact]
    public async Task A_model_step_can_be_replaced_by_a_whole_message()
    {
        await using var world = await World.CreateAsync();
        var source = await world.RunSourceAsync();
        const string message = """{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\"city\":\"porto\"}"}}]}""";

        var fork = await TaskForks.ForkAsync(world.Store, source.Id, 3, new ForkOptions { EditMessage = message }, Token);

        var reused = MessageJson.Deserialize((await world.Store.GetStepsAsync(fork.Task.Id, Token))[1].Result!);
        var call = Assert.Single(reused.Contents.OfType<FunctionCallContent>());
        Assert.Equal(("call_1", "lookup"), (call.CallId, call.Name));
        Assert.Equal("", reused.Text);
    }

    [Fact]
    public async Task An_edited_code_step_replays_the_new_json_value()
    {
        await using var world = await World.CreateAsync();
        var source = await world.RunSourceAsync();

        var fork = await TaskForks.RunAsync(world.Runtime, world.Agents, source.Id, 2, new ForkOptions { EditMessage = "porto" }, Token);

        Assert.Equal("\"porto\"", (await world.Store.GetStepsAsync(fork.Task.Id, Token))[0].Result);
        Assert.StartsWith("porto|sunny|", fork.Task.Output, StringComparison.Ordinal);
        Assert.Equal(1, world.Picks);
        Assert.Contains(world.Default.Calls[^2], m => m.Role == ChatRole.User && m.Text == "Weather in porto?");
    }

    [Theory]
    [InlineData(0, "from step 0: it has 4 steps, so a fork starts at a step from 1 to 5")]
    [InlineData(-3, "from step -3")]
    [InlineData(6, "from step 6: it has 4 steps, so a fork starts at a step from 1 to 5")]
    public async Task A_step_outside_the_journal_is_a_clear_error_and_creates_nothing(int fromStep, string expected)
    {
        await using var world = await World.CreateAsync();
        var source = await world.RunSourceAsync();

        var error = await Assert.ThrowsAsync<ForkException>(() => TaskForks.RunAsync(world.Runtime, world.Agents, source.Id, fromStep, cancellationToken: Token));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Single(await world.Store.ListTasksAsync(new TaskQuery(), Token));
    }

    [Fact]
    public async Task Other_impossible_forks_are_clear_errors_and_create_nothing()
    {
        await using var world = await World.CreateAsync();
        var source = await world.RunSourceAsync();

        var missing = await Assert.ThrowsAsync<ForkException>(() => TaskForks.ForkAsync(world.Store, "task_nobody", 1, cancellationToken: Token));
        var editNothing = await Assert.ThrowsAsync<ForkException>(() => TaskForks.ForkAsync(world.Store, source.Id, 1, new ForkOptions { EditMessage = "x" }, Token));
        var unknownModel = await Assert.ThrowsAsync<UnknownModelException>(() => TaskForks.RunAsync(world.Runtime, world.Agents, source.Id, 2, new ForkOptions { ModelOverride = "nope" }, Token));
        var unknownAgent = await Assert.ThrowsAsync<ForkException>(() => TaskForks.RunAsync(world.Runtime, new AgentRegistry(), source.Id, 2, cancellationToken: Token));

        Assert.Equal("No task 'task_nobody'.", missing.Message);
        Assert.Contains("fork from step 2 or later", editNothing.Message, StringComparison.Ordinal);
        Assert.Contains("Known models: big, m", unknownModel.Message, StringComparison.Ordinal);
        Assert.Contains("agent 'forky', which is not registered here", unknownAgent.Message, StringComparison.Ordinal);
        Assert.Single(await world.Store.ListTasksAsync(new TaskQuery(), Token));
    }

    [Fact]
    public async Task A_fork_whose_copy_fails_leaves_no_task_behind()
    {
        await using var world = await World.CreateAsync();
        var source = await world.RunSourceAsync();
        var fork = new AgentTask { Id = KeelIds.NewTaskId(), Agent = "forky", CustomerId = source.CustomerId, ForkedFrom = source.Id, ForkedAtStep = 3, CreatedAt = DateTimeOffset.UtcNow };
        var step = (await world.Store.GetStepsAsync(source.Id, Token))[0] with { TaskId = fork.Id };

        // The same step twice: the second insert breaks the journal's key, and the whole fork must go with it.
        await Assert.ThrowsAnyAsync<Exception>(() => world.Store.CreateForkAsync(fork, [new StepCommit { Step = step }, new StepCommit { Step = step }], Token).AsTask());

        Assert.Null(await world.Store.FindTaskAsync(fork.Id, Token));
        Assert.Empty(await world.Store.GetStepsAsync(fork.Id, Token));
    }

    /// <summary>
    /// A store, a runtime over two counted aliases (m and big) and an agent of four steps that counts its own work:
    /// 1 pick a city (StepAsync), 2 ask the model, 3 look the weather up (a $0.01 tool), 4 ask the model again.
    /// </summary>
    private sealed class World : IAsyncDisposable
    {
        private int _picks;
        private int _lookups;

        private World(TempStore temp)
        {
            Temp = temp;
            Runtime = new AgentRuntime(temp.Store, new ResilientModelCaller(new ModelCatalog(
            [
                new ModelRoute("m", [Deployment("a", Default)]),
                new ModelRoute("big", [Deployment("b", Big)]),
            ]), Fast), new UsageMeter(PriceTable.Default));
            Agents = new AgentRegistry([new DelegateAgent("forky", RunAsync)]);
        }

        public TempStore Temp { get; }
        public Keel.Storage.Sqlite.SqliteKeelStore Store => Temp.Store;
        public AgentRuntime Runtime { get; }
        public AgentRegistry Agents { get; }
        public CountingChatClient Default { get; } = new(Sim.Client(seed: 1));
        public CountingChatClient Big { get; } = new(Sim.Client(seed: 2));
        public int Picks => _picks;
        public int Lookups => _lookups;
        public bool LookupFails { get; set; }
        public string CustomerId { get; private set; } = "";

        public static async Task<World> CreateAsync()
        {
            var world = new World(await TempStore.CreateAsync());
            world.CustomerId = (await world.Store.EnsureCustomerAsync("acme", Token)).Id;
            return world;
        }

        public Task<AgentTask> RunSourceAsync() => Runtime.RunAsync(Agents.Get("forky"), "weather", CustomerId, cancellationToken: Token);

        public async ValueTask DisposeAsync() => await Temp.DisposeAsync();

        private async Task<string> RunAsync(TaskContext context, CancellationToken cancellationToken)
        {
            var city = await context.StepAsync("pick", _ =>
            {
                Interlocked.Increment(ref _picks);
                return Task.FromResult("lisbon");
            }, cancellationToken);
            List<ChatMessage> messages = [new(ChatRole.User, $"Weather in {city}?")];
            var first = await context.ChatAsync("m", messages, cancellationToken: cancellationToken);
            messages.AddRange(first.Messages);
            var weather = await context.ToolAsync("lookup", city, (_, _) =>
            {
                Interlocked.Increment(ref _lookups);
                return LookupFails ? throw new InvalidOperationException("The weather service is down.") : Task.FromResult("sunny");
            }, costUsd: 0.01m, cancellationToken: cancellationToken);
            messages.Add(new ChatMessage(ChatRole.User, $"The tool says: {weather}"));
            var second = await context.ChatAsync("m", messages, cancellationToken: cancellationToken);
            return $"{city}|{weather}|{second.Text}";
        }

        private static Deployment Deployment(string name, IChatClient client) => new() { Name = name, Model = "sim-fast", Provider = "simulated", Client = client };
    }

    /// <summary>Records the messages of every call that reaches the model.</summary>
    private sealed class CountingChatClient(IChatClient inner) : DelegatingChatClient(inner)
    {
        private readonly ConcurrentQueue<IReadOnlyList<ChatMessage>> _calls = new();

        public IReadOnlyList<IReadOnlyList<ChatMessage>> Calls => [.. _calls];

        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var list = messages.ToList();
            _calls.Enqueue(list);
            return base.GetResponseAsync(list, options, cancellationToken);
        }
    }
}
