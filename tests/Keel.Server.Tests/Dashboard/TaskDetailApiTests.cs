using System.Text.Json;
using Keel.Context;
using Keel.Journal;
using Keel.Oversight;
using Keel.Server.Tests.Harness;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Usage;
using Microsoft.Extensions.AI;
using Xunit;

namespace Keel.Server.Tests.Dashboard;

/// <summary>GET /api/tasks/{id} and /api/tasks/{id}/steps/{seq}: a support task whose refund tool failed at step 4.</summary>
public sealed class TaskDetailApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static readonly DateTimeOffset T0 = DashboardSeed.Epoch;

    private static readonly ChatMessage System = new(ChatRole.System, "You handle refunds.");
    private static readonly ChatMessage User = new(ChatRole.User, "Refund order ORD-7, it arrived broken.");
    private static readonly ChatMessage AskLookup = new(ChatRole.Assistant, [new FunctionCallContent("call_1", "lookup_order", new Dictionary<string, object?> { ["orderId"] = "ORD-7" })]);
    private static readonly ChatMessage Order = new(ChatRole.Tool, [new FunctionResultContent("call_1", """{"order_id":"ORD-7","amount":42.5}""")]);
    private static readonly ChatMessage AskRefund = new(ChatRole.Assistant, [new FunctionCallContent("call_2", "draft_refund", new Dictionary<string, object?> { ["orderId"] = "ORD-7", ["amount"] = 42.5 })]);

    /// <summary>Model (asks lookup), tool lookup, model (asks refund), tool refund (fails); a human review of 90 s.</summary>
    private static async Task<AgentTask> SeedAsync(GatewayHarness gateway)
    {
        var store = gateway.Store;
        var trace = TraceIds.NewTraceId();
        var task = new AgentTask { Id = KeelIds.NewTaskId(), Agent = "support", CustomerId = gateway.CustomerId, Input = User.Text, Status = AgentTaskStatus.Running, CreatedAt = T0, StartedAt = T0 };
        await store.CreateTaskAsync(task, Ct);
        var request = MessageJson.SerializeRequest("chat", new ChatOptions { MaxOutputTokens = 500, Tools = [AIFunctionFactory.Create((string orderId) => orderId, "lookup_order", "Finds an order")] });
        await store.CommitStepAsync(ModelStep(task, trace, 1, [request, .. new[] { System, User }.Select(MessageJson.Serialize)], AskLookup), Ct);
        await store.CommitStepAsync(ToolStep(task, trace, 2, "lookup_order", "call_1", """{"order_id":"ORD-7","amount":42.5}""", null), Ct);
        await store.CommitStepAsync(ModelStep(task, trace, 3, [request, .. new[] { System, User, AskLookup, Order }.Select(MessageJson.Serialize)], AskRefund), Ct);
        // A person reviewed the failure: their time is journaled with the step it was spent on.
        var review = new Intervention { Id = "int_1", TaskId = task.Id, CustomerId = task.CustomerId, StepSeq = 4, Actor = "ann", Kind = InterventionKind.Review, StartedAt = T0.AddSeconds(10), EndedAt = T0.AddSeconds(100), Note = "looked at it" };
        await store.CommitStepAsync(ToolStep(task, trace, 4, "draft_refund", "call_2", null, "Payment provider declined the refund") with
        {
            Interventions = [review],
            Usage = [new UsageEvent { IdempotencyKey = $"{task.Id}:human", CustomerId = task.CustomerId, TaskId = task.Id, StepSeq = 4, Kind = UsageKind.Human, Resource = "ann", Quantity = 90, CostUsd = 1.25m, CreatedAt = T0.AddSeconds(100) }],
        }, Ct);
        await store.CommitStepAsync(new StepCommit { Task = task with { Status = AgentTaskStatus.Failed, Error = "Payment provider declined the refund", EndedAt = T0.AddSeconds(20) } }, Ct);
        return task;
    }

    private static StepCommit ModelStep(AgentTask task, string trace, int seq, IReadOnlyList<string> window, ChatMessage answer)
    {
        var snapshot = ContextSnapshot.FromMessages(window);
        return new StepCommit
        {
            Step = new StepRecord { TaskId = task.Id, Seq = seq, Kind = StepKind.Model, Name = "chat", Status = StepStatus.Succeeded, Attempts = 2, Result = MessageJson.Serialize(answer), InputTokens = 300, OutputTokens = 30, CostUsd = 0.01m, StartedAt = T0.AddSeconds(seq), EndedAt = T0.AddSeconds(seq + 0.5) },
            Snapshots = [snapshot],
            Spans = [new SpanRecord { TraceId = trace, SpanId = TraceIds.NewSpanId(), TaskId = task.Id, StepSeq = seq, Name = "chat chat", StartTime = T0.AddSeconds(seq), EndTime = T0.AddSeconds(seq + 0.5), SnapshotId = snapshot.Id, Attributes = new Dictionary<string, object?> { [GenAiAttributes.RequestModel] = "chat", [GenAiAttributes.KeelRetries] = 1L } }],
            Usage = [new UsageEvent { IdempotencyKey = $"{task.Id}:{seq}", CustomerId = task.CustomerId, TaskId = task.Id, StepSeq = seq, Kind = UsageKind.Model, Resource = "gpt-4o-mini", InputTokens = 300, OutputTokens = 30, CostUsd = 0.01m, CreatedAt = T0.AddSeconds(seq) }],
        };
    }

    private static StepCommit ToolStep(AgentTask task, string trace, int seq, string tool, string callId, string? result, string? error) => new()
    {
        Step = new StepRecord { TaskId = task.Id, Seq = seq, Kind = StepKind.Tool, Name = tool, Status = error is null ? StepStatus.Succeeded : StepStatus.Failed, Result = result, Error = error, StartedAt = T0.AddSeconds(seq), EndedAt = T0.AddSeconds(seq + 0.1) },
        Spans = [new SpanRecord { TraceId = trace, SpanId = TraceIds.NewSpanId(), TaskId = task.Id, StepSeq = seq, Name = $"execute_tool {tool}", StartTime = T0.AddSeconds(seq), EndTime = T0.AddSeconds(seq + 0.1), Status = error is null ? SpanStatus.Ok : SpanStatus.Error, StatusMessage = error, Attributes = new Dictionary<string, object?> { [GenAiAttributes.ToolName] = tool, [GenAiAttributes.ToolCallId] = callId } }],
    };

    [Fact]
    public async Task A_task_page_has_its_journal_spans_interventions_and_cost_split()
    {
        await using var gateway = await DashboardClient.StartAsync();
        var task = await SeedAsync(gateway);

        var answer = await gateway.GetApiAsync($"tasks/{task.Id}", gateway.AdminToken);

        Assert.Equal(200, answer.Status);
        var json = answer.Json;
        var head = json.GetProperty("task");
        Assert.Equal((task.Id, "failed", "Payment provider declined the refund", 4, 2), (head.Str("id"), head.Str("status"), head.Str("error"), head.GetProperty("steps").GetInt32(), head.GetProperty("model_calls").GetInt32()));
        Assert.Equal((User.Text, "acme", 20_000L), (head.Str("input"), head.Str("customer_name"), head.GetProperty("duration_ms").GetInt64()));
        Assert.Equal("2025-03-14T09:00:00Z", head.Str("created_at"));
        var steps = json.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["model", "tool", "model", "tool"], steps.Select(s => s.Str("kind")));
        Assert.Equal(["succeeded", "succeeded", "succeeded", "failed"], steps.Select(s => s.Str("status")));
        Assert.Equal((2, 1), (steps[0].GetProperty("attempts").GetInt32(), steps[0].GetProperty("retries").GetInt32()));
        Assert.StartsWith("→ lookup_order(", steps[0].Str("result_preview"), StringComparison.Ordinal);
        Assert.Equal("Payment provider declined the refund", steps[3].Str("error"));
        var spans = json.GetProperty("spans").EnumerateArray().ToList();
        Assert.Equal(4, spans.Count);
        Assert.Equal("chat", spans[0].GetProperty("attributes").Str(GenAiAttributes.RequestModel));
        Assert.Equal(("error", 4), (spans[3].Str("status"), spans[3].GetProperty("step_seq").GetInt32()));
        var intervention = Assert.Single(json.GetProperty("interventions").EnumerateArray());
        Assert.Equal(("ann", "review", 90.0), (intervention.Str("actor"), intervention.Str("kind"), intervention.GetProperty("seconds").GetDouble()));
        var cost = json.GetProperty("cost");
        Assert.Equal((0.02m, 0m, 1.25m, 1.27m), (cost.GetProperty("model_usd").GetDecimal(), cost.GetProperty("tool_usd").GetDecimal(), cost.GetProperty("human_usd").GetDecimal(), cost.GetProperty("total_usd").GetDecimal()));
        Assert.Equal(JsonValueKind.Array, json.GetProperty("approvals").ValueKind);
    }

    [Fact]
    public async Task A_model_step_shows_its_context_window_and_the_diff_against_the_previous_call()
    {
        await using var gateway = await DashboardClient.StartAsync();
        var task = await SeedAsync(gateway);

        var answer = await gateway.GetApiAsync($"tasks/{task.Id}/steps/3", gateway.AdminToken);

        Assert.Equal(200, answer.Status);
        var context = answer.Json.GetProperty("context");
        Assert.Equal("chat", context.GetProperty("request").Str("model"));
        Assert.Equal(500, context.GetProperty("request").GetProperty("parameters").GetProperty("max_tokens").GetInt32());
        Assert.Equal(("lookup_order", "Finds an order"), (context.GetProperty("request").GetProperty("tools")[0].Str("name"), context.GetProperty("request").GetProperty("tools")[0].Str("description")));
        var messages = context.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user", "assistant", "tool"], messages.Select(m => m.Str("role")));
        Assert.Equal(("call_1", "lookup_order"), (messages[2].GetProperty("tool_calls")[0].Str("id"), messages[2].GetProperty("tool_calls")[0].Str("name")));
        Assert.Equal("call_1", messages[3].GetProperty("tool_results")[0].Str("call_id"));
        var diff = answer.Json.GetProperty("diff");
        Assert.Equal(1, diff.GetProperty("previous_seq").GetInt32());
        Assert.Equal(["same", "same", "added", "added"], diff.GetProperty("lines").EnumerateArray().Select(l => l.Str("op")));
        Assert.Equal(JsonValueKind.Null, answer.Json.GetProperty("tool").ValueKind);
        Assert.Equal("draft_refund", answer.Json.GetProperty("answer").GetProperty("tool_calls")[0].Str("name"));
        Assert.Empty(answer.Json.GetProperty("error_path").EnumerateArray());
    }

    [Fact]
    public async Task A_failed_tool_step_shows_its_arguments_error_and_path()
    {
        await using var gateway = await DashboardClient.StartAsync();
        var task = await SeedAsync(gateway);

        var answer = await gateway.GetApiAsync($"tasks/{task.Id}/steps/4", gateway.AdminToken);
        var missing = await gateway.GetApiAsync($"tasks/{task.Id}/steps/9", gateway.AdminToken);

        Assert.Equal(200, answer.Status);
        Assert.Equal(("failed", "Payment provider declined the refund"), (answer.Json.GetProperty("step").Str("status"), answer.Json.Str("error")));
        Assert.Contains("ORD-7", answer.Json.GetProperty("tool").Str("arguments"), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, answer.Json.GetProperty("context").ValueKind);
        // The model call that asked for the refund, fed by the lookup and the call that asked for it.
        Assert.Equal([3, 2, 1], answer.Json.GetProperty("error_path").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(404, missing.Status);
    }
}
