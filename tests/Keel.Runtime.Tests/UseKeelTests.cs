using Keel.Budgets;
using Keel.ChatClients;
using Keel.Journal;
using Keel.Metering;
using Keel.Pricing;
using Keel.Providers.Simulated;
using Keel.Resilience;
using Keel.Routing;
using Keel.Tasks;
using Keel.Tokens;
using Keel.Workers;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary><c>ChatClientBuilder.UseKeel</c>: an IChatClient pipeline whose calls are the current task's model steps.</summary>
public sealed class UseKeelTests
{
    private static readonly ResilienceOptions Fast = new() { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1), AttemptTimeout = TimeSpan.FromSeconds(5) };

    private static AgentRuntime Runtime(TempStore temp, Deployment[] deployments, TimeProvider? time = null, BudgetLedger? budgets = null) =>
        new(temp.Store, new ResilientModelCaller(new ModelCatalog([new ModelRoute("m", deployments)]), Fast), new UsageMeter(PriceTable.Default), time, budgets);

    [Fact]
    public async Task Inside_a_task_each_call_is_a_journaled_model_step_with_usage_and_spans_routed_by_the_catalog()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        var runtime = Runtime(temp, [Sim.Deployment("a", model: "sim-large")]);
        var inner = new CountingChatClient(Sim.Client());
        using var chat = new ChatClientBuilder(inner).UseKeel(runtime, defaultModel: "m").Build();

        var task = await runtime.RunAsync(new DelegateAgent("writer", async (context, token) =>
        {
            var outline = await chat.GetResponseAsync("Outline a post about durable agents.", cancellationToken: token);
            var draft = await chat.GetResponseAsync([new(ChatRole.User, "Write it."), .. outline.Messages], cancellationToken: token);
            return draft.Text;
        }), "go", acme.Id, cancellationToken: ct);

        Assert.Equal(AgentTaskStatus.Succeeded, task.Status);
        Assert.Equal(0, inner.Calls); // "m" is a catalog alias: its deployment served both calls
        var steps = await temp.Store.GetStepsAsync(task.Id, ct);
        Assert.All(steps, s => Assert.Equal((StepKind.Model, "m", StepStatus.Succeeded), (s.Kind, s.Name, s.Status)));
        Assert.Equal([1, 2], steps.Select(s => s.Seq));
        var usage = await temp.Store.GetUsageAsync(task.Id, ct);
        Assert.Equal(2, usage.Count);
        Assert.All(usage, u => Assert.Equal(("a", "sim-large"), (u.Deployment, u.Resource)));
        Assert.All(usage, u => Assert.True(u.CostUsd > 0));
        Assert.Equal(steps.Select(s => s.CostUsd), usage.OrderBy(u => u.StepSeq).Select(u => u.CostUsd));
        var spans = await temp.Store.GetSpansAsync(task.Id, ct);
        var root = Assert.Single(spans, s => s.ParentSpanId is null);
        Assert.Equal(2, spans.Count(s => s.ParentSpanId == root.SpanId && s.Name == "chat m" && s.SnapshotId is not null));
    }

    [Fact]
    public async Task The_alias_is_the_requests_model_id_else_the_default_and_an_alias_outside_the_catalog_is_served_by_the_inner_client()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        var runtime = Runtime(temp, [Sim.Deployment("a")]);
        var inner = new CountingChatClient(Sim.Client(model: "sim-large"));
        using var chat = new ChatClientBuilder(inner).UseKeel(defaultModel: "sim-large").Build();

        var task = await runtime.RunAsync(new DelegateAgent("mixer", async (context, token) =>
        {
            await chat.GetResponseAsync("Via the catalog.", new ChatOptions { ModelId = "m" }, token);
            return (await chat.GetResponseAsync("Via the inner client.", cancellationToken: token)).Text;
        }), "go", acme.Id, cancellationToken: ct);

        Assert.Equal(AgentTaskStatus.Succeeded, task.Status);
        Assert.Equal(1, inner.Calls);
        Assert.Equal(["m", "sim-large"], (await temp.Store.GetStepsAsync(task.Id, ct)).Select(s => s.Name));
        var usage = (await temp.Store.GetUsageAsync(task.Id, ct)).OrderBy(u => u.StepSeq).ToList();
        Assert.Equal([("a", "sim-fast"), ("simulated/sim-large", "sim-large")], usage.Select(u => (u.Deployment, u.Resource)));
        Assert.Equal(PriceTable.Default.Cost("sim-large", usage[1].InputTokens, 0, usage[1].OutputTokens), usage[1].CostUsd);
        Assert.Contains(await temp.Store.GetSpansAsync(task.Id, ct), s => s.Name == "chat sim-large");
    }

    [Fact]
    public async Task A_failing_deployment_falls_back_to_the_next_and_the_step_records_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        var runtime = Runtime(temp, [Sim.Deployment("down", new FaultRates { ServerError = 1 }), Sim.Deployment("up")]);
        using var chat = new ChatClientBuilder(Sim.Client()).UseKeel(defaultModel: "m").Build();

        var task = await runtime.RunAsync(new DelegateAgent("resilient", async (context, token) =>
            (await chat.GetResponseAsync("Hello?", cancellationToken: token)).Text), "go", acme.Id, cancellationToken: ct);

        Assert.Equal(AgentTaskStatus.Succeeded, task.Status);
        var step = Assert.Single(await temp.Store.GetStepsAsync(task.Id, ct));
        Assert.Equal((4, 1), (step.Attempts, step.Fallbacks)); // three tries of "down", then "up"
        Assert.Equal("up", Assert.Single(await temp.Store.GetUsageAsync(task.Id, ct)).Deployment);
    }

    [Fact]
    public async Task A_budget_that_cannot_cover_the_worst_case_refuses_the_call_before_any_model_is_called()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        List<ChatMessage> messages = [new(ChatRole.User, "Summarise our refund policy.")];
        var options = new ChatOptions { MaxOutputTokens = 32 };
        var worstCase = WorstCase.Cost(TokenCounter.O200k.CountPrompt(messages, null), [(PriceTable.Default.Get("sim-fast"), 4_096)], 32);
        await temp.Store.UpsertBudgetAsync(TestBudgets.New(acme.Id, worstCase / 2), ct);
        using var ledger = new BudgetLedger(temp.Store);
        var runtime = Runtime(temp, [Sim.Deployment("a")], budgets: ledger);
        var inner = new CountingChatClient(Sim.Client());
        using var chat = new ChatClientBuilder(inner).UseKeel(runtime, defaultModel: "sim-fast", c => c.CustomerId = acme.Id).Build();

        BudgetExceededException? refused = null;
        var task = await runtime.RunAsync(new DelegateAgent("frugal", async (context, token) =>
        {
            refused = await Assert.ThrowsAsync<BudgetExceededException>(() => chat.GetResponseAsync(messages, options, token));
            return "refused";
        }), "go", acme.Id, cancellationToken: ct);
        var outside = await Assert.ThrowsAsync<BudgetExceededException>(() => chat.GetResponseAsync(messages, options, ct));

        Assert.Equal(AgentTaskStatus.Succeeded, task.Status);
        Assert.Equal(worstCase, refused!.RequiredUsd);
        Assert.Equal(worstCase, outside.RequiredUsd);
        Assert.Equal(0, inner.Calls);
        Assert.Empty(await temp.Store.GetUsageAsync(task.Id, ct));
        Assert.Equal(0m, await temp.Store.SpentAsync(BudgetScope.Customer, acme.Id, acme.Id, DateTimeOffset.MinValue, ct));
    }

    [Fact]
    public async Task A_resumed_task_replays_its_model_steps_and_streams_without_calling_the_model_again()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var runtime = Runtime(temp, [Sim.Deployment("a")], time);
        var inner = new CountingChatClient(Sim.Client(model: "sim-large"));
        using var chat = new ChatClientBuilder(inner).UseKeel(defaultModel: "sim-large").Build();
        var answers = new List<(string Plan, string Booking)>();
        var agent = new DelegateAgent("traveller", async (context, token) =>
        {
            var plan = await chat.GetResponseAsync("Plan a trip to Porto.", cancellationToken: token);
            var booking = await chat.GetStreamingResponseAsync("Book the hotel.", cancellationToken: token).ToChatResponseAsync(token);
            answers.Add((plan.Text, booking.Text));
            await context.SleepAsync(TimeSpan.FromMinutes(5), cancellationToken: token);
            return (await chat.GetResponseAsync("Confirm it.", cancellationToken: token)).Text;
        });

        var parked = await runtime.RunAsync(agent, "go", acme.Id, cancellationToken: ct);
        Assert.Equal(AgentTaskStatus.Waiting, parked.Status);
        Assert.Equal(2, inner.Calls);

        time.Advance(TimeSpan.FromMinutes(6));
        await new TaskWorkerPool(runtime, new AgentRegistry([agent])).DrainAsync(ct);

        var finished = await temp.Store.FindTaskAsync(parked.Id, ct);
        Assert.Equal(AgentTaskStatus.Succeeded, finished!.Status);
        Assert.Equal(3, inner.Calls); // only the call after the timer reached the model
        Assert.Equal(2, answers.Count);
        Assert.Equal(answers[0], answers[1]);
        Assert.False(string.IsNullOrWhiteSpace(answers[0].Booking));
        var steps = await temp.Store.GetStepsAsync(parked.Id, ct);
        Assert.Equal([StepKind.Model, StepKind.Model, StepKind.Timer, StepKind.Model], steps.Select(s => s.Kind));
        Assert.Equal(3, (await temp.Store.GetUsageAsync(parked.Id, ct)).Count);
    }

    [Fact]
    public async Task Streaming_yields_the_journaled_answer_in_updates()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        var runtime = Runtime(temp, [Sim.Deployment("a")]);
        using var chat = new ChatClientBuilder(Sim.Client()).UseKeel(defaultModel: "m").Build();
        var updates = new List<ChatResponseUpdate>();

        var task = await runtime.RunAsync(new DelegateAgent("streamer", async (context, token) =>
        {
            await foreach (var update in chat.GetStreamingResponseAsync("Tell me a story.", cancellationToken: token))
            {
                updates.Add(update);
            }

            return "done";
        }), "go", acme.Id, cancellationToken: ct);

        Assert.Equal(AgentTaskStatus.Succeeded, task.Status);
        var step = Assert.Single(await temp.Store.GetStepsAsync(task.Id, ct));
        Assert.NotEmpty(updates);
        var streamed = updates.ToChatResponse();
        Assert.Equal(Context.MessageJson.Deserialize(step.Result!).Text, streamed.Text);
        Assert.Equal(step.OutputTokens, streamed.Usage?.OutputTokenCount);
    }

    [Fact]
    public async Task Outside_a_task_a_call_becomes_a_one_step_task_of_the_clients_customer()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        var runtime = Runtime(temp, [Sim.Deployment("a")]);
        using var chat = new ChatClientBuilder(Sim.Client()).UseKeel(runtime, "m", c => c.CustomerId = acme.Id).Build();

        var response = await chat.GetResponseAsync("What is Keel?", cancellationToken: ct);

        var summary = Assert.Single(await temp.Store.ListTasksAsync(new TaskQuery { Agent = "chat-client" }, ct));
        Assert.Equal((AgentTaskStatus.Succeeded, acme.Id), (summary.Task.Status, summary.Task.CustomerId));
        Assert.Equal(response.Text, summary.Task.Output);
        Assert.Equal("What is Keel?", summary.Task.Input);
        var step = Assert.Single(await temp.Store.GetStepsAsync(summary.Task.Id, ct));
        Assert.Equal((StepKind.Model, "m"), (step.Kind, step.Name));
        Assert.True(Assert.Single(await temp.Store.GetUsageAsync(summary.Task.Id, ct)).CostUsd > 0);
        Assert.Null(TaskContext.Current);
    }

    [Fact]
    public async Task Outside_a_task_a_client_without_a_customer_refuses_the_call_instead_of_running_it_unrecorded()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var runtime = Runtime(temp, [Sim.Deployment("a")]);
        var inner = new CountingChatClient(Sim.Client());
        using var chat = new ChatClientBuilder(inner).UseKeel(runtime, "sim-fast").Build();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => chat.GetResponseAsync("Hi", cancellationToken: ct));

        Assert.Contains("outside a Keel task", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, inner.Calls);
        Assert.Empty(await temp.Store.ListTasksAsync(new TaskQuery(), ct));
    }

    [Fact]
    public async Task An_unpriced_model_is_refused_before_the_inner_client_is_called()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        var runtime = Runtime(temp, [Sim.Deployment("a")]);
        var inner = new CountingChatClient(Sim.Client(model: "mystery-model-1"));
        using var chat = new ChatClientBuilder(inner).UseKeel().Build(); // the alias comes from the inner client's metadata

        UnknownPriceException? refused = null;
        await runtime.RunAsync(new DelegateAgent("curious", async (context, token) =>
        {
            refused = await Assert.ThrowsAsync<UnknownPriceException>(() => chat.GetResponseAsync("Hi", cancellationToken: token));
            return "refused";
        }), "go", acme.Id, cancellationToken: ct);

        Assert.Equal("mystery-model-1", refused!.Model);
        Assert.Equal(0, inner.Calls);
    }

    [Fact]
    public async Task The_current_task_context_flows_into_the_agents_async_work_and_is_gone_after_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        var runtime = Runtime(temp, [Sim.Deployment("a")]);
        var seen = new List<TaskContext?>();

        Assert.Null(TaskContext.Current);
        await runtime.RunAsync(new DelegateAgent("ambient", async (context, token) =>
        {
            seen.Add(TaskContext.Current);
            seen.Add(await Task.Run(() => TaskContext.Current, token));
            seen.Add(context);
            return "ok";
        }), "go", acme.Id, cancellationToken: ct);

        Assert.Equal(3, seen.Count);
        Assert.NotNull(seen[2]);
        Assert.All(seen, c => Assert.Same(seen[2], c));
        Assert.Null(TaskContext.Current);
    }

    /// <summary>Counts the calls that reach the client it wraps.</summary>
    private sealed class CountingChatClient(IChatClient inner) : DelegatingChatClient(inner)
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return base.GetResponseAsync(messages, options, cancellationToken);
        }

        public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            return base.GetStreamingResponseAsync(messages, options, cancellationToken);
        }
    }
}
