using Keel.Agents;
using Keel.Context;
using Keel.Journal;
using Keel.Metering;
using Keel.Pricing;
using Keel.Providers.Simulated;
using Keel.Resilience;
using Keel.Routing;
using Keel.Tasks;
using Keel.Tracing;
using Microsoft.Extensions.AI;

using Xunit;

namespace Keel.Runtime.Tests;

public sealed class AgentRuntimeTests
{
    private static readonly ResilienceOptions Fast = new() { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1), AttemptTimeout = TimeSpan.FromSeconds(5) };

    private static AgentRuntime Runtime(TempStore temp, params Deployment[] deployments) =>
        new(temp.Store, new ResilientModelCaller(new ModelCatalog([new ModelRoute("m", deployments)]), Fast), new UsageMeter(PriceTable.Default));

    private static ToolLoopAgent WeatherAgent(Func<string, string>? weather = null) => new()
    {
        Name = "weather",
        Model = "m",
        Instructions = "Answer weather questions with the tool.",
        Tools = [AIFunctionFactory.Create(weather ?? (city => $"Sunny and 21C in {city}"), "get_weather")],
    };

    [Fact]
    public async Task A_task_journals_every_model_and_tool_step_in_order()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", TestContext.Current.CancellationToken);

        var task = await Runtime(temp, Sim.Deployment("a")).RunAsync(WeatherAgent(), "Weather in Lisbon?", customer.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(AgentTaskStatus.Succeeded, task.Status);
        Assert.False(string.IsNullOrWhiteSpace(task.Output));
        var steps = await temp.Store.GetStepsAsync(task.Id, TestContext.Current.CancellationToken);
        Assert.Equal([StepKind.Model, StepKind.Tool, StepKind.Model], steps.Select(s => s.Kind));
        Assert.Equal([1, 2, 3], steps.Select(s => s.Seq));
        Assert.Contains("Sunny and 21C", steps[1].Result, StringComparison.Ordinal);
        Assert.Equal("get_weather", MessageJson.Deserialize(steps[0].Result!).Contents.OfType<FunctionCallContent>().Single().Name);
    }

    [Fact]
    public async Task Every_model_step_has_a_chat_span_with_gen_ai_attributes_under_the_agent_span()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", TestContext.Current.CancellationToken);

        var task = await Runtime(temp, Sim.Deployment("a")).RunAsync(WeatherAgent(), "Weather in Lisbon?", customer.Id, cancellationToken: TestContext.Current.CancellationToken);

        var spans = await temp.Store.GetSpansAsync(task.Id, TestContext.Current.CancellationToken);
        var root = Assert.Single(spans, s => s.ParentSpanId is null);
        Assert.Equal("invoke_agent weather", root.Name);
        Assert.All(spans, s => Assert.Equal(root.TraceId, s.TraceId));
        var chats = spans.Where(s => s.ParentSpanId == root.SpanId && s.Name == "chat m").ToList();
        Assert.Equal(2, chats.Count);
        Assert.All(chats, chat =>
        {
            Assert.Equal("chat", chat.Attributes[GenAiAttributes.OperationName]);
            Assert.Equal("sim-fast", chat.Attributes[GenAiAttributes.ResponseModel]);
            Assert.True((long)chat.Attributes[GenAiAttributes.UsageInputTokens]! > 0);
            Assert.NotNull(chat.SnapshotId);
        });
        var tool = Assert.Single(spans, s => s.Name == "execute_tool get_weather");
        Assert.Equal("get_weather", tool.Attributes[GenAiAttributes.ToolName]);
    }

    [Fact]
    public async Task A_model_steps_snapshot_is_the_exact_context_it_was_sent()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", TestContext.Current.CancellationToken);

        var task = await Runtime(temp, Sim.Deployment("a")).RunAsync(WeatherAgent(), "Weather in Lisbon?", customer.Id, cancellationToken: TestContext.Current.CancellationToken);

        var spans = await temp.Store.GetSpansAsync(task.Id, TestContext.Current.CancellationToken);
        var second = spans.Where(s => s.Name == "chat m").OrderBy(s => s.StepSeq).Last();
        var snapshot = await temp.Store.GetSnapshotAsync(second.SnapshotId!, TestContext.Current.CancellationToken);
        Assert.NotNull(snapshot);
        Assert.Contains("\"get_weather\"", snapshot[0], StringComparison.Ordinal); // request: model and tool definitions
        var roles = snapshot.Skip(1).Select(m => MessageJson.Deserialize(m).Role.Value).ToList();
        Assert.Equal(["system", "user", "assistant", "tool"], roles);
        Assert.Contains("Sunny and 21C in", snapshot[^1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_usage_event_is_priced_from_the_price_table_and_sums_to_the_task_cost()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", TestContext.Current.CancellationToken);

        var task = await Runtime(temp, Sim.Deployment("a", model: "sim-large")).RunAsync(WeatherAgent(), "Weather in Lisbon?", customer.Id, cancellationToken: TestContext.Current.CancellationToken);

        var usage = await temp.Store.GetUsageAsync(task.Id, TestContext.Current.CancellationToken);
        Assert.Equal(2, usage.Count);
        var price = PriceTable.Default.Get("sim-large");
        Assert.All(usage, e =>
        {
            Assert.Equal("sim-large", e.Resource);
            Assert.Equal(((e.InputTokens * price.InputPerMillion) + (e.OutputTokens * price.OutputPerMillion)) / 1_000_000m, e.CostUsd);
            Assert.True(e.CostUsd > 0);
        });
        var summary = await temp.Store.GetTaskSummaryAsync(task.Id, TestContext.Current.CancellationToken);
        Assert.Equal(usage.Sum(e => e.CostUsd), summary!.CostUsd);
        Assert.Equal(usage.Sum(e => e.InputTokens), summary.InputTokens);
    }

    [Fact]
    public async Task Retries_and_fallbacks_are_recorded_as_attempt_spans_and_totals()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", TestContext.Current.CancellationToken);
        var runtime = Runtime(temp, Sim.Deployment("down", new FaultRates { ServerError = 1 }), Sim.Deployment("up"));

        var task = await runtime.RunAsync(WeatherAgent(), "Weather in Porto?", customer.Id, cancellationToken: TestContext.Current.CancellationToken);

        var summary = await temp.Store.GetTaskSummaryAsync(task.Id, TestContext.Current.CancellationToken);
        Assert.Equal(AgentTaskStatus.Succeeded, summary!.Task.Status);
        Assert.Equal(2 * 2, summary.Retries); // two model steps, each: 3 attempts on "down" = 2 retries, then 1 fallback
        Assert.Equal(2, summary.Fallbacks);
        var spans = await temp.Store.GetSpansAsync(task.Id, TestContext.Current.CancellationToken);
        var attempts = spans.Where(s => s.Attributes.ContainsKey(GenAiAttributes.KeelAttempt)).ToList();
        Assert.Equal(8, attempts.Count);
        Assert.Equal(6, attempts.Count(a => a.Status == SpanStatus.Error && (string?)a.Attributes[GenAiAttributes.ErrorType] == "500"));
        var usage = await temp.Store.GetUsageAsync(task.Id, TestContext.Current.CancellationToken);
        Assert.All(usage, e => Assert.Equal("up", e.Deployment)); // failed attempts cost nothing
    }

    [Fact]
    public async Task A_failing_tool_fails_the_task_with_the_failed_step_and_its_error_journaled()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", TestContext.Current.CancellationToken);
        var agent = WeatherAgent(_ => throw new InvalidOperationException("weather service unreachable"));

        var task = await Runtime(temp, Sim.Deployment("a")).RunAsync(agent, "Weather in Faro?", customer.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(AgentTaskStatus.Failed, task.Status);
        Assert.Contains("weather service unreachable", task.Error, StringComparison.Ordinal);
        var steps = await temp.Store.GetStepsAsync(task.Id, TestContext.Current.CancellationToken);
        Assert.Equal(StepStatus.Failed, steps[^1].Status);
        Assert.Equal(StepKind.Tool, steps[^1].Kind);
        var spans = await temp.Store.GetSpansAsync(task.Id, TestContext.Current.CancellationToken);
        Assert.Equal(SpanStatus.Error, Assert.Single(spans, s => s.ParentSpanId is null).Status);
    }

    [Fact]
    public async Task When_every_deployment_fails_the_failed_model_step_is_journaled_with_no_usage()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", TestContext.Current.CancellationToken);

        var task = await Runtime(temp, Sim.Deployment("down", new FaultRates { Unavailable = 1 })).RunAsync(WeatherAgent(), "Weather?", customer.Id, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(AgentTaskStatus.Failed, task.Status);
        var step = Assert.Single(await temp.Store.GetStepsAsync(task.Id, TestContext.Current.CancellationToken));
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.Equal(3, step.Attempts);
        Assert.Empty(await temp.Store.GetUsageAsync(task.Id, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_deployment_whose_model_has_no_price_is_refused_before_any_call()
    {
        await using var temp = await TempStore.CreateAsync();

        var error = Assert.Throws<UnknownPriceException>(() => Runtime(temp, Sim.Deployment("mystery", model: "mystery-model-1")));

        Assert.Equal("mystery-model-1", error.Model);
    }
}
