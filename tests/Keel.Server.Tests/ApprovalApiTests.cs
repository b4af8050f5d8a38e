using System.Net.Http.Headers;
using System.Text;
using Keel.Approvals;
using Keel.Journal;
using Keel.Server.Tests.Harness;
using Keel.Tasks;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>POST /v1/tasks/{id}/approval: a person's decision on a task parked by WaitForApprovalAsync, over REST.</summary>
public sealed class ApprovalApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<GatewayAnswer> DecideAsync(GatewayHarness gateway, string taskId, string json, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/tasks/{taskId}/approval") { Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json")) };
        using var response = await gateway.SendAsync(request, key);
        return await GatewayAnswer.ReadAsync(response);
    }

    /// <summary>A task of the gateway's customer parked on an approval, as the durable runtime leaves one.</summary>
    private static async Task<string> WaitingTaskAsync(GatewayHarness gateway)
    {
        var now = DateTimeOffset.UtcNow;
        var task = new AgentTask { Id = KeelIds.NewTaskId(), Agent = "support", CustomerId = gateway.CustomerId, CreatedAt = now, Status = AgentTaskStatus.Running, StartedAt = now };
        await gateway.Store.CreateTaskAsync(task, Ct);
        await gateway.Store.CommitStepAsync(new StepCommit
        {
            Task = task with { Status = AgentTaskStatus.Waiting },
            OpenApproval = new Approval { TaskId = task.Id, Seq = 1, CustomerId = gateway.CustomerId, Request = "Refund $200", RequestedAt = now },
        }, Ct);
        return task.Id;
    }

    [Fact]
    public async Task A_decision_is_stored_and_makes_the_task_runnable()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        var taskId = await WaitingTaskAsync(gateway);

        var decided = await DecideAsync(gateway, taskId, """{"approved":false,"by":"ann","note":"needs a photo","review_seconds":90}""", gateway.Key);

        Assert.Equal(200, decided.Status);
        Assert.Equal("rejected", decided.Json.GetProperty("status").GetString());
        var approval = await gateway.Store.GetApprovalAsync(taskId, 1, Ct);
        Assert.Equal((ApprovalStatus.Rejected, "ann", "needs a photo", 90.0), (approval!.Status, approval.DecidedBy, approval.Note, approval.ReviewSeconds));
        Assert.NotNull(await gateway.Store.NextDueAsync(["support"], Ct));
    }

    [Fact]
    public async Task Deciding_twice_is_a_conflict_and_another_customers_key_finds_nothing()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        var taskId = await WaitingTaskAsync(gateway);
        var (_, stranger) = await gateway.CreateKeyAsync("globex");

        var foreign = await DecideAsync(gateway, taskId, """{"approved":true,"by":"mallory"}""", stranger);
        var first = await DecideAsync(gateway, taskId, """{"approved":true,"by":"ann"}""", gateway.Key);
        var second = await DecideAsync(gateway, taskId, """{"approved":false,"by":"bob"}""", gateway.Key);
        var malformed = await DecideAsync(gateway, taskId, """{"approved":"yes"}""", gateway.Key);

        Assert.Equal(404, foreign.Status);
        Assert.Equal(200, first.Status);
        Assert.Equal(409, second.Status);
        Assert.Equal("conflict", second.Json.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(400, malformed.Status);
        Assert.Equal("ann", (await gateway.Store.GetApprovalAsync(taskId, 1, Ct))!.DecidedBy);
    }

    [Fact]
    public async Task Recording_time_on_a_waiting_task_from_outside_is_a_conflict()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        var taskId = await WaitingTaskAsync(gateway);

        using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/tasks/{taskId}/interventions") { Content = new StringContent("""{"actor":"ann","seconds":60}""", Encoding.UTF8, new MediaTypeHeaderValue("application/json")) };
        using var response = await gateway.SendAsync(request, gateway.Key);
        var answer = await GatewayAnswer.ReadAsync(response);

        Assert.Equal(409, answer.Status);
        Assert.Empty(await gateway.Store.GetStepsAsync(taskId, Ct));
    }
}
