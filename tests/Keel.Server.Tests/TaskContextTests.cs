using System.Text.Json.Nodes;
using Keel.Server.Tests.Harness;
using Keel.Tasks;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>Headers (or keel_ metadata) put calls into a client's task, agent and session, within its own tenant only.</summary>
public sealed class TaskContextTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<GatewayHarness> StartAsync() => GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));

    private static KeyValuePair<string, string> Header(string name, string value) => new(name, value);

    [Fact]
    public async Task Calls_naming_a_task_append_steps_one_two_three_to_it()
    {
        await using var gateway = await StartAsync();

        var answers = new List<GatewayAnswer>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await gateway.CompleteAsync(ChatBody.Of($"Step {i + 1}"), headers: [Header("X-Keel-Task-Id", "task-client-1"), Header("X-Keel-Agent", "planner")]));
        }

        await gateway.FlushAsync();

        Assert.All(answers, a => Assert.Equal("task-client-1", a.Header("x-keel-task-id")));
        var steps = await gateway.Store.GetStepsAsync("task-client-1", Ct);
        Assert.Equal([1, 2, 3], steps.Select(s => s.Seq));
        Assert.Equal(["Mock answer to: Step 1", "Mock answer to: Step 2", "Mock answer to: Step 3"], steps.Select(s => JsonNode.Parse(s.Result!)!["content"]!.GetValue<string>()));
        var summary = await gateway.Store.GetTaskSummaryAsync("task-client-1", Ct);
        Assert.Equal("planner", summary!.Task.Agent);
        Assert.Equal(gateway.CustomerId, summary.Task.CustomerId);
        Assert.Equal(3, summary.Steps);
        Assert.Equal(steps.Sum(s => s.CostUsd), summary.CostUsd);
        Assert.Equal(3, (await gateway.Store.GetUsageAsync("task-client-1", Ct)).Count);
    }

    [Fact]
    public async Task Concurrent_calls_naming_one_task_get_distinct_steps()
    {
        await using var gateway = await StartAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            gateway.CompleteAsync(ChatBody.Of($"Part {i}", stream: i % 2 == 0), headers: [Header("X-Keel-Task-Id", "task-fan-out")])));
        await gateway.FlushAsync();

        Assert.All(answers, a => Assert.Equal(200, a.Status));
        Assert.Equal(Enumerable.Range(1, 10), (await gateway.Store.GetStepsAsync("task-fan-out", Ct)).Select(s => s.Seq).Order());
    }

    [Fact]
    public async Task Metadata_names_the_task_agent_and_session_when_headers_do_not()
    {
        await using var gateway = await StartAsync();
        var body = ChatBody.Of();
        body["metadata"] = new JsonObject { ["keel_task_id"] = "task-meta", ["keel_agent"] = "researcher", ["keel_session_id"] = "sess-meta" };

        Assert.Equal(200, (await gateway.CompleteAsync(body)).Status);
        Assert.Equal(200, (await gateway.CompleteAsync(body)).Status);
        await gateway.FlushAsync();

        var summary = await gateway.Store.GetTaskSummaryAsync("task-meta", Ct);
        Assert.Equal(("researcher", "sess-meta", 2), (summary!.Task.Agent, summary.Task.SessionId, summary.Steps));
    }

    [Fact]
    public async Task A_session_header_creates_the_session_for_the_callers_customer()
    {
        await using var gateway = await StartAsync();

        var answer = await gateway.CompleteAsync(ChatBody.Of(), headers: [Header("X-Keel-Session-Id", "sess-42"), Header("X-Keel-Agent", "support")]);
        await gateway.FlushAsync();

        var task = (await gateway.Store.GetTaskSummaryAsync(answer.Header("x-keel-task-id"), Ct))!.Task;
        Assert.Equal(("support", "sess-42", AgentTaskStatus.Succeeded), (task.Agent, task.SessionId, task.Status));
        var (other, _) = await gateway.CreateKeyAsync("someone-else");
        Assert.Equal(gateway.CustomerId, (await gateway.Store.EnsureSessionAsync("sess-42", other, Ct)).CustomerId);
    }

    [Fact]
    public async Task Another_customer_cannot_append_to_a_task_it_does_not_own()
    {
        await using var gateway = await StartAsync();
        var (_, intruder) = await gateway.CreateKeyAsync("intruder");
        await gateway.CompleteAsync(ChatBody.Of(), headers: [Header("X-Keel-Task-Id", "task-private")]);
        await gateway.FlushAsync();
        var upstreamCalls = gateway.Mock.CountFor("");

        var byHeader = await gateway.CompleteAsync(ChatBody.Of(), intruder, [Header("X-Keel-Task-Id", "task-private")]);
        var metadata = ChatBody.Of();
        metadata["metadata"] = new JsonObject { ["keel_task_id"] = "task-private" };
        var byMetadata = await gateway.CompleteAsync(metadata, intruder);
        await gateway.FlushAsync();

        Assert.All([byHeader, byMetadata], a =>
        {
            Assert.Equal(404, a.Status);
            Assert.Equal("not_found", a.Json.GetProperty("error").GetProperty("code").GetString());
        });
        Assert.Equal(upstreamCalls, gateway.Mock.CountFor(""));
        Assert.Single(await gateway.Store.GetStepsAsync("task-private", Ct));
    }

    [Fact]
    public async Task A_task_named_by_another_customer_before_its_first_step_is_recorded_is_still_theirs()
    {
        await using var gateway = await StartAsync();
        var (_, intruder) = await gateway.CreateKeyAsync("intruder");

        // No flush in between: ownership must not depend on the first step having reached the store.
        await gateway.CompleteAsync(ChatBody.Of(), headers: [Header("X-Keel-Task-Id", "task-race")]);
        var intruding = await gateway.CompleteAsync(ChatBody.Of(), intruder, [Header("X-Keel-Task-Id", "task-race")]);
        await gateway.FlushAsync();

        Assert.Equal(404, intruding.Status);
        Assert.Single(await gateway.Store.GetStepsAsync("task-race", Ct));
    }

    [Fact]
    public async Task Another_customer_cannot_join_a_session_it_does_not_own()
    {
        await using var gateway = await StartAsync();
        var (_, intruder) = await gateway.CreateKeyAsync("intruder");
        await gateway.CompleteAsync(ChatBody.Of(), headers: [Header("X-Keel-Session-Id", "sess-private")]);
        await gateway.FlushAsync();
        var upstreamCalls = gateway.Mock.CountFor("");
        var tasksBefore = (await gateway.Store.GetStatsAsync(Ct)).Tasks;

        var answer = await gateway.CompleteAsync(ChatBody.Of(), intruder, [Header("X-Keel-Session-Id", "sess-private")]);
        await gateway.FlushAsync();

        Assert.Equal(404, answer.Status);
        Assert.Equal("not_found", answer.Json.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(upstreamCalls, gateway.Mock.CountFor(""));
        Assert.Equal(tasksBefore, (await gateway.Store.GetStatsAsync(Ct)).Tasks);
    }

    [Fact]
    public async Task The_task_id_an_implicit_call_returns_can_be_named_at_once_to_continue_it()
    {
        await using var gateway = await StartAsync();

        // Many at once, so some second calls arrive while their task's first step is still queued for the store.
        var pairs = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            var first = await gateway.CompleteAsync(ChatBody.Of($"First {i}"));
            var taskId = first.Header("x-keel-task-id");
            var second = await gateway.CompleteAsync(ChatBody.Of($"Second {i}"), headers: [Header("X-Keel-Task-Id", taskId)]);
            return (TaskId: taskId, Second: second);
        }));
        await gateway.FlushAsync();

        foreach (var (taskId, second) in pairs)
        {
            Assert.Equal(200, second.Status);
            Assert.Equal(taskId, second.Header("x-keel-task-id"));
            Assert.Equal([1, 2], (await gateway.Store.GetStepsAsync(taskId, Ct)).Select(s => s.Seq));
            Assert.Equal(2, (await gateway.Store.GetUsageAsync(taskId, Ct)).Count);
        }
    }
}
