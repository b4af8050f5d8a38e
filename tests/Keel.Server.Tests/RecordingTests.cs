using System.Text.Json.Nodes;
using Keel.Journal;
using Keel.Pricing;
using Keel.Server.Tests.Harness;
using Keel.Tasks;
using Keel.Tracing;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>Every gateway call is a journal step with its spans, its context snapshot and its priced usage.</summary>
public sealed class RecordingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_call_without_a_task_is_a_task_of_its_own_with_step_spans_snapshot_and_priced_usage()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", model: "gpt-4o-mini").Alias("chat", "primary"));
        var body = new JsonObject
        {
            ["model"] = "chat",
            ["temperature"] = 0.5,
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "system", ["content"] = "Be brief." },
                new JsonObject { ["role"] = "user", ["content"] = "Hello there" }),
        };

        var answer = await gateway.CompleteAsync(body);
        await gateway.FlushAsync();

        Assert.Equal(200, answer.Status);
        var taskId = answer.Header("x-keel-task-id");
        var summary = await gateway.Store.GetTaskSummaryAsync(taskId, Ct);
        Assert.NotNull(summary);
        Assert.Equal("gateway", summary.Task.Agent);
        Assert.Equal(AgentTaskStatus.Succeeded, summary.Task.Status);
        Assert.Equal(gateway.CustomerId, summary.Task.CustomerId);
        Assert.NotNull(summary.Task.EndedAt);

        // 20 chars of messages -> 5 prompt tokens; "Mock answer to: Hello there" -> 5 completion tokens.
        var price = PriceTable.Default.Get("gpt-4o-mini");
        var expectedCost = price.Cost(5, 0, 5);
        Assert.True(expectedCost > 0);
        var step = Assert.Single(await gateway.Store.GetStepsAsync(taskId, Ct));
        Assert.Equal((1, StepKind.Model, "chat", StepStatus.Succeeded), (step.Seq, step.Kind, step.Name, step.Status));
        Assert.Equal((1, 0), (step.Attempts, step.Fallbacks));
        Assert.Equal((5L, 5L, expectedCost), (step.InputTokens, step.OutputTokens, step.CostUsd));
        Assert.Equal("Mock answer to: Hello there", JsonNode.Parse(step.Result!)!["content"]!.GetValue<string>());

        var usage = Assert.Single(await gateway.Store.GetUsageAsync(taskId, Ct));
        Assert.Equal(("gpt-4o-mini", "primary", gateway.CustomerId, 1), (usage.Resource, usage.Deployment, usage.CustomerId, usage.StepSeq));
        Assert.Equal((5L, 5L), (usage.InputTokens, usage.OutputTokens));
        Assert.Equal(expectedCost, usage.CostUsd);
        Assert.Equal(expectedCost, summary.CostUsd);

        var spans = await gateway.Store.GetSpansAsync(taskId, Ct);
        var chat = Assert.Single(spans, s => s.Name == "chat chat");
        Assert.Null(chat.ParentSpanId);
        Assert.Equal(SpanStatus.Ok, chat.Status);
        Assert.Equal("chat", chat.Attributes[GenAiAttributes.OperationName]);
        Assert.Equal("chat", chat.Attributes[GenAiAttributes.RequestModel]);
        Assert.Equal("openai", chat.Attributes[GenAiAttributes.ProviderName]);
        Assert.Equal("primary", chat.Attributes[GenAiAttributes.KeelDeployment]);
        Assert.Equal("gpt-4o-mini", chat.Attributes[GenAiAttributes.ResponseModel]);
        Assert.Equal(answer.Json.GetProperty("id").GetString(), chat.Attributes[GenAiAttributes.ResponseId]);
        Assert.Equal(["stop"], (object?[])chat.Attributes[GenAiAttributes.ResponseFinishReasons]!);
        Assert.Equal(5L, chat.Attributes[GenAiAttributes.UsageInputTokens]);
        Assert.Equal(5L, chat.Attributes[GenAiAttributes.UsageOutputTokens]);
        Assert.Single(spans); // one clean attempt: its span would only repeat the chat span, so there is none

        var snapshot = await gateway.Store.GetSnapshotAsync(chat.SnapshotId!, Ct);
        Assert.NotNull(snapshot);
        Assert.Equal(3, snapshot.Count);
        var parameters = JsonNode.Parse(snapshot[0])!.AsObject();
        Assert.Equal("chat", parameters["model"]!.GetValue<string>());
        Assert.Equal(0.5, parameters["temperature"]!.GetValue<double>());
        Assert.False(parameters.ContainsKey("messages"));
        Assert.True(JsonNode.DeepEquals(body["messages"]![0], JsonNode.Parse(snapshot[1])));
        Assert.True(JsonNode.DeepEquals(body["messages"]![1], JsonNode.Parse(snapshot[2])));
    }

    [Fact]
    public async Task A_retried_and_fallen_back_call_records_one_span_per_attempt_and_prices_the_serving_model()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("primary", "status=503", model: "gpt-4o-mini").OpenAi("secondary", model: "gpt-4o").Alias("chat", "primary", "secondary"));

        var answer = await gateway.CompleteAsync(ChatBody.Of());
        await gateway.FlushAsync();

        var taskId = answer.Header("x-keel-task-id");
        var step = Assert.Single(await gateway.Store.GetStepsAsync(taskId, Ct));
        Assert.Equal((4, 1, 2), (step.Attempts, step.Fallbacks, step.Retries));
        var attempts = await FallbackTests.AttemptSpansAsync(gateway, taskId);
        Assert.Equal(["primary", "primary", "primary", "secondary"], attempts.Select(a => a.Attributes[GenAiAttributes.KeelDeployment]));
        Assert.Equal(["503", "503", "503", null], attempts.Select(a => a.Attributes.GetValueOrDefault(GenAiAttributes.ErrorType)));
        var usage = Assert.Single(await gateway.Store.GetUsageAsync(taskId, Ct));
        Assert.Equal(("gpt-4o", "secondary"), (usage.Resource, usage.Deployment));
        Assert.Equal(PriceTable.Default.Get("gpt-4o").Cost(3, 0, 5), usage.CostUsd);
    }

    [Fact]
    public async Task A_call_that_no_deployment_could_serve_is_a_failed_step_with_no_usage()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("primary", "status=503").OpenAi("secondary", "status=500").Alias("chat", "primary", "secondary"));

        var answer = await gateway.CompleteAsync(ChatBody.Of());
        await gateway.FlushAsync();

        Assert.Equal(502, answer.Status);
        var taskId = answer.Header("x-keel-task-id");
        var summary = await gateway.Store.GetTaskSummaryAsync(taskId, Ct);
        Assert.Equal(AgentTaskStatus.Failed, summary!.Task.Status);
        Assert.False(string.IsNullOrEmpty(summary.Task.Error));
        Assert.Equal(0m, summary.CostUsd);
        var step = Assert.Single(await gateway.Store.GetStepsAsync(taskId, Ct));
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.Equal((6, 1), (step.Attempts, step.Fallbacks));
        Assert.Equal((0L, 0L, 0m), (step.InputTokens, step.OutputTokens, step.CostUsd));
        Assert.Empty(await gateway.Store.GetUsageAsync(taskId, Ct));
        var chat = Assert.Single(await gateway.Store.GetSpansAsync(taskId, Ct), s => s.Name == "chat chat");
        Assert.Equal(SpanStatus.Error, chat.Status);
        Assert.Equal("500", chat.Attributes[GenAiAttributes.ErrorType]);
    }

    [Fact]
    public async Task A_traceparent_puts_the_spans_in_the_callers_trace()
    {
        const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        const string ParentId = "00f067aa0ba902b7";
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));

        var answer = await gateway.CompleteAsync(ChatBody.Of(), headers: [new("traceparent", $"00-{TraceId}-{ParentId}-01")]);
        await gateway.FlushAsync();

        var spans = await gateway.Store.GetSpansAsync(answer.Header("x-keel-task-id"), Ct);
        var chat = Assert.Single(spans);
        Assert.Equal(TraceId, chat.TraceId);
        Assert.Equal(ParentId, chat.ParentSpanId);
    }
}
