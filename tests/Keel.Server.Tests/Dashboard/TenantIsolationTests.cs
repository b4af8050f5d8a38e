using Keel.Approvals;
using Keel.Server.Tests.Harness;
using Keel.Tasks;
using Xunit;

namespace Keel.Server.Tests.Dashboard;

/// <summary>A customer's API key sees only its customer's data in the dashboard API; anything else is a 404, as if absent.</summary>
public sealed class TenantIsolationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record World(GatewayHarness Gateway, string GlobexKey, AgentTask[] Acme, AgentTask[] Globex, AgentTask AcmeWaiting, AgentTask GlobexWaiting);

    private static async Task<World> SeedAsync(GatewayHarness gateway)
    {
        var (globexId, globexKey) = await gateway.CreateKeyAsync("globex");
        var store = gateway.Store;
        AgentTask[] acme =
        [
            await DashboardSeed.TaskAsync(store, gateway.CustomerId, new() { SessionId = "s-acme", CreatedAt = DashboardSeed.Epoch, CostUsd = 0.02m }),
            await DashboardSeed.TaskAsync(store, gateway.CustomerId, new() { SessionId = "s-acme", CreatedAt = DashboardSeed.Epoch.AddMinutes(2), CostUsd = 0.03m }),
        ];
        AgentTask[] globex =
        [
            await DashboardSeed.TaskAsync(store, globexId, new() { SessionId = "s-globex", CreatedAt = DashboardSeed.Epoch.AddMinutes(1), CostUsd = 0.5m }),
            await DashboardSeed.TaskAsync(store, globexId, new() { CreatedAt = DashboardSeed.Epoch.AddMinutes(3), Status = AgentTaskStatus.Failed, Error = "boom", CostUsd = 0.7m }),
        ];
        var acmeWaiting = await WaitingTasks.CreateAsync(store, gateway.CustomerId, request: "Refund $10 for acme");
        var globexWaiting = await WaitingTasks.CreateAsync(store, globexId, request: "Refund $99 for globex");
        return new World(gateway, globexKey, acme, globex, acmeWaiting, globexWaiting);
    }

    [Fact]
    public async Task A_customer_key_lists_only_its_own_tasks_and_counts()
    {
        await using var gateway = await DashboardClient.StartAsync();
        var world = await SeedAsync(gateway);

        var mine = await gateway.GetApiAsync("tasks", gateway.Key);
        var asking = await gateway.GetApiAsync("tasks?customer=globex", gateway.Key);
        var stats = await gateway.GetApiAsync("stats", gateway.Key);
        var costs = await gateway.GetApiAsync("costs?by=customer", gateway.Key);

        Assert.Equal(new[] { world.AcmeWaiting.Id, world.Acme[1].Id, world.Acme[0].Id }.Order(), mine.TaskIds().Order());
        Assert.Equal(3, mine.Json.GetProperty("total_estimate").GetInt32());
        Assert.Empty(asking.TaskIds());
        Assert.Equal((3, 1, 0), (stats.Json.GetProperty("tasks").GetInt32(), stats.Json.GetProperty("waiting").GetInt32(), stats.Json.GetProperty("failed").GetInt32()));
        Assert.Equal(0.05m, stats.Json.GetProperty("cost_usd").GetDecimal());
        var row = Assert.Single(costs.Json.GetProperty("rows").EnumerateArray());
        Assert.Equal(("acme", 0.05m), (row.Str("key"), row.GetProperty("total_usd").GetDecimal()));
        Assert.Equal(0.05m, costs.Json.GetProperty("total").GetProperty("total_usd").GetDecimal());
    }

    [Fact]
    public async Task A_customer_key_gets_404_for_another_customers_task_step_session_and_approval()
    {
        await using var gateway = await DashboardClient.StartAsync();
        var world = await SeedAsync(gateway);
        var theirs = world.Globex[0].Id;

        var task = await gateway.GetApiAsync($"tasks/{theirs}", gateway.Key);
        var step = await gateway.GetApiAsync($"tasks/{theirs}/steps/1", gateway.Key);
        var session = await gateway.GetApiAsync("sessions/s-globex", gateway.Key);
        var approvals = await gateway.GetApiAsync("approvals?status=all", gateway.Key);
        var decide = await gateway.PostApiAsync($"tasks/{world.GlobexWaiting.Id}/approval", """{"approved":true}""", gateway.Key);
        var replay = await gateway.PostApiAsync($"tasks/{theirs}/replay", """{"from_step":1}""", gateway.Key);

        Assert.Equal([404, 404, 404, 404, 404], new[] { task.Status, step.Status, session.Status, decide.Status, replay.Status });
        // The same answer as for a task that does not exist: nothing tells the key that this one does.
        var absent = await gateway.GetApiAsync("tasks/task_none", gateway.Key);
        Assert.Equal(absent.Text.Replace("task_none", "ID", StringComparison.Ordinal), task.Text.Replace(theirs, "ID", StringComparison.Ordinal));
        var listed = Assert.Single(approvals.Json.GetProperty("approvals").EnumerateArray());
        Assert.Equal(world.AcmeWaiting.Id, listed.Str("task_id"));
        Assert.Equal(ApprovalStatus.Pending, (await gateway.Store.GetApprovalAsync(world.GlobexWaiting.Id, 1, Ct))!.Status);
        Assert.Equal(6, (await gateway.Store.ListTasksAsync(new TaskQuery(), Ct)).Count); // no fork was made
    }

    [Fact]
    public async Task A_customer_key_reads_its_own_task_step_and_session()
    {
        await using var gateway = await DashboardClient.StartAsync();
        var world = await SeedAsync(gateway);

        var task = await gateway.GetApiAsync($"tasks/{world.Acme[0].Id}", gateway.Key);
        var step = await gateway.GetApiAsync($"tasks/{world.Acme[0].Id}/steps/1", gateway.Key);
        var session = await gateway.GetApiAsync("sessions/s-acme", gateway.Key);

        Assert.Equal((200, 200, 200), (task.Status, step.Status, session.Status));
        Assert.Equal([world.Acme[0].Id, world.Acme[1].Id], session.TaskIds()); // oldest first
    }

    [Fact]
    public async Task The_admin_token_sees_every_customer()
    {
        await using var gateway = await DashboardClient.StartAsync();
        var world = await SeedAsync(gateway);
        var admin = gateway.AdminToken;

        var all = await gateway.GetApiAsync("tasks", admin);
        var globexOnly = await gateway.GetApiAsync("tasks?customer=globex", admin);
        var task = await gateway.GetApiAsync($"tasks/{world.Globex[1].Id}", admin);
        var session = await gateway.GetApiAsync("sessions/s-globex", admin);
        var approvals = await gateway.GetApiAsync("approvals", admin);
        var stats = await gateway.GetApiAsync("stats", admin);

        Assert.Equal(6, all.TaskIds().Length);
        Assert.Equal(new[] { world.GlobexWaiting.Id, world.Globex[1].Id, world.Globex[0].Id }.Order(), globexOnly.TaskIds().Order());
        Assert.Equal(("globex", "failed", "boom"), (task.Json.GetProperty("task").Str("customer_name"), task.Json.GetProperty("task").Str("status"), task.Json.GetProperty("task").Str("error")));
        Assert.Equal([world.Globex[0].Id], session.TaskIds());
        Assert.Equal(2, approvals.Json.GetProperty("approvals").GetArrayLength());
        Assert.Equal((6, 1.25m), (stats.Json.GetProperty("tasks").GetInt32(), stats.Json.GetProperty("cost_usd").GetDecimal()));
    }
}
