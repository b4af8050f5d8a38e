using System.Text.Json;
using System.Text.Json.Nodes;
using Keel.Context;
using Keel.Inspection;
using Keel.Journal;
using Keel.Metering;
using Keel.Pricing;
using Keel.Providers;
using Keel.Resilience;
using Keel.Routing;
using Keel.Samples.Demo;
using Keel.Samples.Support;
using Keel.Tasks;
using Keel.Tracing;
using Microsoft.Extensions.AI;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>
/// Step inspection over stores filled by running agents: the context window a model call was sent, its diff against
/// the previous call, a tool step's arguments and result, and the error path of a failed step.
/// </summary>
public sealed class StepInspectorTests(StepInspectorTests.DemoStore demo) : IClassFixture<StepInspectorTests.DemoStore>
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_declined_refund_s_error_path_is_the_model_call_that_asked_for_it_then_the_steps_that_fed_that_call()
    {
        var (task, steps) = await demo.DeclinedRefundAsync();
        var refund = steps[^1];
        var asker = steps.Last(s => s.Kind == StepKind.Model && s.Seq < refund.Seq);

        var inspection = (await StepInspector.InspectAsync(demo.Store, task.Id, refund.Seq, Token))!;

        Assert.Equal(("draft_refund", StepStatus.Failed), (inspection.Step.Name, inspection.Step.Status));
        Assert.Contains("declined", inspection.Error, StringComparison.Ordinal);
        Assert.Equal(asker.Seq, inspection.ErrorPath[0]);
        Assert.Contains(steps.Single(s => s.Name == "check_refund_policy").Seq, inspection.ErrorPath);
        Assert.Contains(steps.Single(s => s.Name == "lookup_order").Seq, inspection.ErrorPath);
        // The support agent's context only grows: every earlier model answer and tool result fed the refund, and
        // nothing else did (an approval recorded on the way is not an input).
        var fed = steps.Where(s => s.Seq < refund.Seq && s.Kind is StepKind.Model or StepKind.Tool).Select(s => s.Seq).Reverse();
        Assert.Equal(fed, inspection.ErrorPath);
        Assert.Null(inspection.Context);
        Assert.Null(inspection.Diff);
    }

    [Fact]
    public async Task A_tool_step_shows_the_arguments_the_model_gave_it_and_its_result()
    {
        var (task, steps) = await demo.DeclinedRefundAsync();
        var asker = steps.Last(s => s.Kind == StepKind.Model);
        var call = MessageJson.Deserialize(asker.Result!).Contents.OfType<FunctionCallContent>().Single();
        var lookup = steps.Single(s => s.Name == "lookup_order");

        var refund = (await StepInspector.InspectAsync(demo.Store, task.Id, steps[^1].Seq, Token))!;
        var lookedUp = (await StepInspector.InspectAsync(demo.Store, task.Id, lookup.Seq, Token))!;

        Assert.Equal("draft_refund", call.Name);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Json.Arguments(call.Arguments)), JsonNode.Parse(refund.Tool!.Arguments!)), refund.Tool.Arguments);
        Assert.DoesNotContain("\n", refund.Tool.Arguments, StringComparison.Ordinal); // compact: one line to read
        Assert.Null(refund.Tool.Result);
        Assert.Equal(call.Arguments!["orderId"]!.ToString(), JsonDocument.Parse(lookedUp.Tool!.Arguments!).RootElement.GetProperty("orderId").GetString());
        Assert.Equal(lookup.Result, lookedUp.Tool.Result);
        Assert.Contains("\"order_id\"", lookedUp.Tool.Result, StringComparison.Ordinal);
        Assert.Empty(lookedUp.ErrorPath); // it succeeded
    }

    [Fact]
    public async Task A_model_step_shows_the_request_and_every_message_it_was_sent()
    {
        var (task, steps) = await demo.DeclinedRefundAsync();
        var asker = steps.Last(s => s.Kind == StepKind.Model);

        var inspection = (await StepInspector.InspectAsync(demo.Store, task.Id, asker.Seq, Token))!;

        var context = inspection.Context!;
        Assert.Equal(asker.Name, context.Request.Model);
        Assert.Equal(["lookup_order", "check_refund_policy", "draft_refund"], context.Request.Tools.Select(t => t.Name));
        var lookupTool = context.Request.Tools[0];
        Assert.Contains("Looks up an order", lookupTool.Description, StringComparison.Ordinal);
        Assert.True(lookupTool.Parameters!.Value.GetProperty("properties").TryGetProperty("orderId", out _));
        Assert.Equal(Enumerable.Range(0, context.Messages.Count), context.Messages.Select(m => m.Index));
        Assert.Equal(("system", true), (context.Messages[0].Role, context.Messages[0].Text.Contains("support agent", StringComparison.Ordinal)));
        Assert.Equal(("user", task.Input), (context.Messages[1].Role, context.Messages[1].Text));
        // Each tool the model called so far, and its result, under the same call id.
        foreach (var tool in new[] { "lookup_order", "check_refund_policy" })
        {
            var call = Assert.Single(context.Messages.SelectMany(m => m.ToolCalls), c => c.Name == tool);
            var result = Assert.Single(context.Messages.SelectMany(m => m.ToolResults), r => r.CallId == call.Id);
            Assert.Equal(steps.Single(s => s.Name == tool).Result, result.Result);
        }

        Assert.Equal(asker.Result, inspection.Result);
        Assert.Null(inspection.Tool);
    }

    [Fact]
    public async Task A_model_call_s_diff_shows_the_previous_call_s_messages_unchanged_and_the_answer_and_result_added_since()
    {
        var (task, steps) = await demo.DeclinedRefundAsync();
        var models = steps.Where(s => s.Kind == StepKind.Model).ToList();
        Assert.True(models.Count >= 3, "lookup, policy, refund: three model calls");

        var first = (await StepInspector.InspectAsync(demo.Store, task.Id, models[0].Seq, Token))!;
        var previous = (await StepInspector.InspectAsync(demo.Store, task.Id, models[^2].Seq, Token))!;
        var last = (await StepInspector.InspectAsync(demo.Store, task.Id, models[^1].Seq, Token))!;

        Assert.Null(first.Diff); // nothing before it to compare with
        var diff = last.Diff!;
        Assert.Equal(models[^2].Seq, diff.PreviousSeq);
        var kept = previous.Context!.Messages.Count;
        Assert.Equal([.. Enumerable.Repeat(DiffOp.Same, kept), DiffOp.Added, DiffOp.Added], diff.Lines.Select(l => l.Op));
        Assert.Equal((kept, 2, 0), (diff.Same, diff.Added, diff.Removed));
        Assert.Equal(["assistant", "tool"], diff.Lines.Skip(kept).Select(l => l.Role));
        Assert.Contains("→ check_refund_policy(", diff.Lines[kept].Text, StringComparison.Ordinal);
        Assert.Equal([kept, kept + 1], diff.Lines.Skip(kept).Select(l => l.Index));
        Assert.Equal(last.Context!.Messages.Select(m => m.Describe()), diff.Lines.Select(l => l.Text));
    }

    [Fact]
    public async Task An_edited_message_shows_as_the_old_one_removed_and_the_new_one_added()
    {
        await using var world = await World.CreateAsync(() => Answer("one"), () => Answer("two"));
        var task = await world.RunAsync(async (context, token) =>
        {
            List<ChatMessage> history = [new(ChatRole.System, "Be brief."), new(ChatRole.User, "Long question about refunds"), new(ChatRole.User, "And shipping?")];
            await context.ChatAsync("m", history, cancellationToken: token);
            history[1] = new ChatMessage(ChatRole.User, "Summary: refunds"); // a summarised history
            history.Add(new ChatMessage(ChatRole.User, "Thanks"));
            return (await context.ChatAsync("m", history, cancellationToken: token)).Text;
        });

        var inspection = (await StepInspector.InspectAsync(world.Store, task.Id, 2, Token))!;

        var lines = inspection.Diff!.Lines.Select(l => (l.Op, l.Index, l.Text)).ToList();
        Assert.Equal(
            [(DiffOp.Same, 0, "Be brief."), (DiffOp.Removed, 1, "Long question about refunds"), (DiffOp.Added, 1, "Summary: refunds"),
             (DiffOp.Same, 2, "And shipping?"), (DiffOp.Added, 3, "Thanks")],
            lines);
    }

    [Fact]
    public async Task A_failed_model_call_s_path_holds_the_steps_whose_outputs_are_in_its_context_and_only_those()
    {
        var ask = new ChatResponse(new ChatMessage(ChatRole.Assistant,
        [
            new FunctionCallContent("call-1", "lookup", new Dictionary<string, object?> { ["id"] = "A" }),
            new FunctionCallContent("call-2", "weather", new Dictionary<string, object?> { ["city"] = "Lisbon" }),
        ]));
        await using var world = await World.CreateAsync(() => ask, () => Fail("context too long"));
        var task = await world.RunAsync(async (context, token) =>
        {
            List<ChatMessage> messages = [new(ChatRole.User, "Go")];
            var first = await context.ChatAsync("m", messages, cancellationToken: token); // 1
            messages.AddRange(first.Messages);
            await context.StepAsync("pick", _ => Task.FromResult("x"), token); // 2: not an input of the model
            var lookup = await context.ToolAsync("lookup", "{\"id\":\"A\"}", (_, _) => Task.FromResult("found"), callId: "call-1", cancellationToken: token); // 3
            // No call id: matched to the model's call by journal order.
            var weather = await context.ToolAsync("weather", null, (_, _) => Task.FromResult("sunny"), cancellationToken: token); // 4
            await context.ToolAsync("audit", null, (_, _) => Task.FromResult("logged"), cancellationToken: token); // 5: its result is never sent
            messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call-1", lookup)]));
            messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent("call-2", weather)]));
            return (await context.ChatAsync("m", messages, cancellationToken: token)).Text; // 6 fails
        });
        Assert.Equal(AgentTaskStatus.Failed, task.Status);

        var failed = (await StepInspector.InspectAsync(world.Store, task.Id, 6, Token))!;
        var weather = (await StepInspector.InspectAsync(world.Store, task.Id, 4, Token))!;

        Assert.Equal(StepStatus.Failed, failed.Step.Status);
        Assert.Equal([4, 3, 1], failed.ErrorPath);
        Assert.NotNull(failed.Context); // a failed call still shows what it was sent
        Assert.Equal("{\"city\":\"Lisbon\"}", weather.Tool!.Arguments);
        Assert.Equal("sunny", weather.Tool.Result);
    }

    [Fact]
    public async Task A_path_goes_back_through_an_answer_to_the_steps_that_fed_it_when_a_summary_replaced_them()
    {
        static ChatResponse Calls(string id, string tool) => new(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent(id, tool, new Dictionary<string, object?>())]));
        await using var world = await World.CreateAsync(() => Calls("a", "search"), () => Calls("b", "fetch"), () => Fail("overloaded"));
        var task = await world.RunAsync(async (context, token) =>
        {
            List<ChatMessage> messages = [new(ChatRole.User, "Research")];
            messages.AddRange((await context.ChatAsync("m", messages, cancellationToken: token)).Messages); // 1: asks for search
            messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent("a", await context.ToolAsync("search", null, (_, _) => Task.FromResult("3 hits"), callId: "a", cancellationToken: token))])); // 2
            var second = await context.ChatAsync("m", messages, cancellationToken: token); // 3: asks for fetch
            // The history so far is summarised away: only the latest answer and its result stay.
            messages = [new(ChatRole.User, "Research"), new(ChatRole.User, "Summary: searched, 3 hits"), .. second.Messages];
            messages.Add(new ChatMessage(ChatRole.Tool, [new FunctionResultContent("b", await context.ToolAsync("fetch", null, (_, _) => Task.FromResult("the page"), callId: "b", cancellationToken: token))])); // 4
            return (await context.ChatAsync("m", messages, cancellationToken: token)).Text; // 5 fails
        });

        var failed = (await StepInspector.InspectAsync(world.Store, task.Id, 5, Token))!;

        // 5 holds 3's answer and 4's result; 3 was sent 1's answer and 2's result, though 5 no longer holds them.
        Assert.Equal([4, 3, 2, 1], failed.ErrorPath);
        Assert.Equal(
            [(DiffOp.Same, "user"), (DiffOp.Removed, "assistant"), (DiffOp.Removed, "tool"), (DiffOp.Added, "user"), (DiffOp.Added, "assistant"), (DiffOp.Added, "tool")],
            failed.Diff!.Lines.Select(l => (l.Op, l.Role)));
    }

    [Fact]
    public async Task A_failed_tool_step_s_path_goes_back_through_the_model_call_that_asked_for_it()
    {
        var ask = new ChatResponse(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-9", "pay", new Dictionary<string, object?> { ["usd"] = 5 })]));
        await using var world = await World.CreateAsync(() => Answer("plan: pay"), () => ask);
        var task = await world.RunAsync(async (context, token) =>
        {
            List<ChatMessage> messages = [new(ChatRole.User, "Pay")];
            messages.AddRange((await context.ChatAsync("m", messages, cancellationToken: token)).Messages); // 1
            await context.ChatAsync("m", messages, cancellationToken: token); // 2: asks for pay
            return await context.ToolAsync("pay", null, (_, _) => throw new InvalidOperationException("card declined"), callId: "call-9", cancellationToken: token); // 3
        });

        var failed = (await StepInspector.InspectAsync(world.Store, task.Id, 3, Token))!;

        Assert.Equal("card declined", failed.Error);
        Assert.Equal([2, 1], failed.ErrorPath); // 2 asked for it; 2 was sent 1's answer
        Assert.Equal("{\"usd\":5}", failed.Tool!.Arguments);
    }

    [Fact]
    public async Task A_gateway_window_in_the_OpenAI_wire_form_reads_the_same_as_an_SDK_one()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", Token);
        var taskId = KeelIds.NewTaskId();
        var request = """{"model":"gpt-4o","temperature":0.2,"stream":true,"tools":[{"type":"function","function":{"name":"lookup","description":"Finds it.","parameters":{"type":"object"}}}]}""";
        string[] first =
        [
            request,
            """{"role":"system","content":"Be brief."}""",
            """{"role":"user","content":[{"type":"text","text":"What is"},{"type":"image_url","image_url":{"url":"https://x/y.png"}},{"type":"text","text":"this?"}]}""",
        ];
        const string answer = """{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"lookup","arguments":"{\"q\":\"y.png\"}"}}]}""";
        // The client sends the answer back with its keys in another order.
        string[] second = [.. first, """{"tool_calls":[{"type":"function","id":"c1","function":{"arguments":"{\"q\":\"y.png\"}","name":"lookup"}}],"role":"assistant"}""",
            """{"role":"tool","tool_call_id":"c1","content":"a cat"}"""];
        await temp.Store.CommitStepAsync(GatewayStep(taskId, customer.Id, 1, first, answer, null), Token);
        await temp.Store.CommitStepAsync(GatewayStep(taskId, customer.Id, 2, second, null, "upstream 500"), Token);

        var inspection = (await StepInspector.InspectAsync(temp.Store, taskId, 2, Token))!;

        var context = inspection.Context!;
        Assert.Equal("gpt-4o", context.Request.Model);
        Assert.Equal(["stream", "temperature"], context.Request.Parameters.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(0.2, context.Request.Parameters["temperature"].GetDouble());
        Assert.Equal(("lookup", "Finds it."), (context.Request.Tools[0].Name, context.Request.Tools[0].Description));
        Assert.Equal("What is\n[image]\nthis?", context.Messages[1].Text);
        Assert.Equal(new ContextToolCall("c1", "lookup", "{\"q\":\"y.png\"}"), Assert.Single(context.Messages[2].ToolCalls));
        Assert.Equal(new ContextToolResult("c1", "a cat"), Assert.Single(context.Messages[3].ToolResults));
        Assert.Equal([DiffOp.Same, DiffOp.Same, DiffOp.Added, DiffOp.Added], inspection.Diff!.Lines.Select(l => l.Op));
        Assert.Equal([1], inspection.ErrorPath); // the client ran the tool itself: only the answer is a step of the task
    }

    [Fact]
    public void OpenTelemetry_gen_ai_messages_with_parts_are_read()
    {
        var window = ContextWindow.Parse(
        [
            """{"role":"user","parts":[{"type":"text","content":"Weather?"}]}""",
            """{"role":"assistant","parts":[{"type":"tool_call","id":"t1","name":"weather","arguments":{"city":"Paris"}}]}""",
            """{"role":"tool","parts":[{"type":"tool_call_response","id":"t1","response":"rainy"}]}""",
        ]);

        Assert.Null(window.Request.Model); // no request entry: every entry is a message
        Assert.Equal(["user", "assistant", "tool"], window.Messages.Select(m => m.Role));
        Assert.Equal("Weather?", window.Messages[0].Text);
        Assert.Equal(new ContextToolCall("t1", "weather", """{"city":"Paris"}"""), Assert.Single(window.Messages[1].ToolCalls));
        Assert.Equal(new ContextToolResult("t1", "rainy"), Assert.Single(window.Messages[2].ToolResults));
    }

    [Fact]
    public async Task A_step_the_task_does_not_have_is_null()
    {
        var (task, steps) = await demo.DeclinedRefundAsync();

        Assert.Null(await StepInspector.InspectAsync(demo.Store, task.Id, steps.Count + 1, Token));
        Assert.Null(await StepInspector.InspectAsync(demo.Store, "no-such-task", 1, Token));
    }

    private static StepCommit GatewayStep(string taskId, string customerId, int seq, string[] context, string? answer, string? error)
    {
        var at = DateTimeOffset.UnixEpoch.AddSeconds(seq);
        var snapshot = ContextSnapshot.FromMessages(context);
        var (traceId, rootSpanId) = TraceIds.ForTask(taskId);
        return new StepCommit
        {
            CreateTaskIfMissing = new AgentTask { Id = taskId, Agent = "gateway", CustomerId = customerId, Status = AgentTaskStatus.Running, CreatedAt = at },
            Step = new StepRecord
            {
                TaskId = taskId, Seq = seq, Kind = StepKind.Model, Name = "gpt-4o", Status = error is null ? StepStatus.Succeeded : StepStatus.Failed,
                Result = answer, Error = error, StartedAt = at, EndedAt = at,
            },
            Spans = [StepTracing.ModelStepSpan(new SpanScope(traceId, rootSpanId, taskId), seq, TraceIds.NewSpanId(), "gpt-4o", at, at, [], 0, snapshot.Id, null, null, 0,
                error is null ? null : new InvalidOperationException(error))],
            Snapshots = [snapshot],
        };
    }

    private static ChatResponse Answer(string text) => new(new ChatMessage(ChatRole.Assistant, text));

    private static ChatResponse Fail(string message) => throw ProviderErrors.FromStatus(400, message);

    /// <summary>The demo's workload on a store, run once for the class: 50 tasks, without the models' latency.</summary>
    public sealed class DemoStore : IAsyncLifetime
    {
        private TempStore? _temp;

        public Keel.Storage.Sqlite.SqliteKeelStore Store => _temp!.Store;

        public async ValueTask InitializeAsync()
        {
            _temp = await TempStore.CreateAsync();
            await new DemoRunner(Store, PriceTable.Default).RunAsync(tasks: 50, seed: 42, concurrency: 4, simulateLatency: false, cancellationToken: TestContext.Current.CancellationToken);
        }

        /// <summary>A support task whose refund the payment provider declined, and its journal.</summary>
        public async Task<(AgentTask Task, IReadOnlyList<StepRecord> Steps)> DeclinedRefundAsync()
        {
            var failed = await Store.ListTasksAsync(new TaskQuery { Status = AgentTaskStatus.Failed, Agent = SupportAgent.Name }, TestContext.Current.CancellationToken);
            var task = failed.Select(t => t.Task).First(t => t.Error!.Contains("declined", StringComparison.Ordinal));
            return (task, await Store.GetStepsAsync(task.Id, TestContext.Current.CancellationToken));
        }

        public async ValueTask DisposeAsync()
        {
            if (_temp is not null)
            {
                await _temp.DisposeAsync();
            }
        }
    }

    /// <summary>A runtime whose one model alias answers from a script, in order, and an agent that is the test's lambda.</summary>
    private sealed class World : IAsyncDisposable
    {
        private readonly TempStore _temp;
        private readonly AgentRuntime _runtime;
        private string _customerId = "";

        private World(TempStore temp, Func<ChatResponse>[] script)
        {
            _temp = temp;
            var deployment = new Deployment { Name = "scripted", Model = "sim-fast", Provider = "simulated", Client = new ScriptedChatClient(script) };
            _runtime = new AgentRuntime(temp.Store, new ResilientModelCaller(new ModelCatalog([new ModelRoute("m", [deployment])]),
                new ResilienceOptions { MaxRetries = 0, BaseDelay = TimeSpan.FromMilliseconds(1) }), new UsageMeter(PriceTable.Default));
        }

        public Keel.Storage.Sqlite.SqliteKeelStore Store => _temp.Store;

        public static async Task<World> CreateAsync(params Func<ChatResponse>[] script)
        {
            var world = new World(await TempStore.CreateAsync(), script);
            world._customerId = (await world.Store.EnsureCustomerAsync("acme", Token)).Id;
            return world;
        }

        public Task<AgentTask> RunAsync(Func<TaskContext, CancellationToken, Task<string>> body) =>
            _runtime.RunAsync(new DelegateAgent("scripted", body), "input", _customerId, cancellationToken: Token);

        public async ValueTask DisposeAsync() => await _temp.DisposeAsync();
    }

    private sealed class ScriptedChatClient(Func<ChatResponse>[] script) : IChatClient
    {
        private int _next;

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var response = script[_next++]();
            response.Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 5, TotalTokenCount = 15 };
            response.FinishReason ??= response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Any() ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop;
            return Task.FromResult(response);
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
