using System.Threading.Channels;
using Keel.Approvals;
using Keel.Metering;
using Keel.Pricing;
using Keel.Resilience;
using Keel.Routing;
using Keel.Server.Hosting;
using Keel.Server.Tests.Harness;
using Keel.Tasks;
using Keel.Workers;
using Xunit;

namespace Keel.Server.Tests.Dashboard;

/// <summary>
/// Decisions and replays started from the dashboard API actually run: the server's own worker pool (as `keel serve`
/// runs one) resumes a task whose approval was decided, and runs a fork a replay queued.
/// </summary>
public sealed class ApprovalReplayApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Journals a quote, waits for a person's approval, and reports who decided.</summary>
    private sealed class Clerk : IAgent
    {
        public string Name => "clerk";

        public async Task<string> RunAsync(TaskContext context, string input, CancellationToken cancellationToken)
        {
            var amount = await context.StepAsync("quote", _ => Task.FromResult(25), cancellationToken);
            var decision = await context.WaitForApprovalAsync($"Refund ${amount}", cancellationToken: cancellationToken);
            return decision.Approved ? $"refunded by {decision.DecidedBy}" : $"refused by {decision.DecidedBy}";
        }
    }

    /// <summary>A server whose worker pool runs the clerk; every task the pool settles (parked or ended) comes out of <see cref="Settled"/>.</summary>
    private sealed class World : IAsyncDisposable
    {
        private readonly Channel<AgentTask> _settled = Channel.CreateUnbounded<AgentTask>();

        public GatewayHarness Gateway { get; private set; } = null!;

        public AgentRuntime Runtime { get; private set; } = null!;

        public static async Task<World> StartAsync()
        {
            var world = new World();
            world.Gateway = await DashboardClient.StartAsync(options => options with { Workers = world.Workers });
            return world;
        }

        private KeelServerWorkers Workers(Storage.IKeelStore store)
        {
            Runtime = new AgentRuntime(store, new ResilientModelCaller(new ModelCatalog([])), new UsageMeter(PriceTable.Default));
            var pool = new TaskWorkerPool(Runtime, new AgentRegistry([new Clerk()]), new WorkerOptions { Concurrency = 2, PollInterval = TimeSpan.FromMilliseconds(20) });
            pool.TaskSettled += task => _settled.Writer.TryWrite(task);
            return new KeelServerWorkers { RunAsync = pool.RunAsync, Agents = ["clerk"], Models = new ModelCatalog([]) };
        }

        /// <summary>The next time the pool settles <paramref name="taskId"/>.</summary>
        public async Task<AgentTask> SettledAsync(string taskId)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            await foreach (var task in _settled.Reader.ReadAllAsync(timeout.Token))
            {
                if (task.Id == taskId)
                {
                    return task;
                }
            }

            throw new InvalidOperationException("unreachable");
        }

        public async ValueTask DisposeAsync() => await Gateway.DisposeAsync();
    }

    [Fact]
    public async Task An_approval_decided_through_the_api_wakes_the_task_and_it_finishes()
    {
        await using var world = await World.StartAsync();
        var gateway = world.Gateway;
        var task = await world.Runtime.SubmitAsync("clerk", "refund please", gateway.CustomerId, cancellationToken: Ct);
        Assert.Equal(AgentTaskStatus.Waiting, (await world.SettledAsync(task.Id)).Status);
        var pending = await gateway.GetApiAsync("approvals", gateway.Key);

        var decided = await gateway.PostApiAsync($"tasks/{task.Id}/approval", """{"approved":true,"by":"dana","note":"fine"}""", gateway.Key);
        var finished = await world.SettledAsync(task.Id);
        var again = await gateway.PostApiAsync($"tasks/{task.Id}/approval", """{"approved":false}""", gateway.Key);

        var listed = Assert.Single(pending.Json.GetProperty("approvals").EnumerateArray());
        Assert.Equal((task.Id, "Refund $25", "clerk", "pending"), (listed.Str("task_id"), listed.Str("request"), listed.Str("agent"), listed.Str("status")));
        Assert.Equal(200, decided.Status);
        Assert.Equal((task.Id, 2, "approved", "dana"), (decided.Json.Str("task_id"), decided.Json.GetProperty("seq").GetInt32(), decided.Json.Str("status"), decided.Json.Str("decided_by")));
        Assert.Equal((AgentTaskStatus.Succeeded, "refunded by dana"), (finished.Status, finished.Output));
        Assert.Equal(409, again.Status);
        Assert.Empty((await gateway.GetApiAsync("approvals", gateway.Key)).Json.GetProperty("approvals").EnumerateArray());
    }

    [Fact]
    public async Task A_decision_without_by_is_signed_by_the_caller()
    {
        await using var world = await World.StartAsync();
        var task = await world.Runtime.SubmitAsync("clerk", "refund please", world.Gateway.CustomerId, cancellationToken: Ct);
        await world.SettledAsync(task.Id);

        var decided = await world.Gateway.PostApiAsync($"tasks/{task.Id}/approval", """{"approved":false}""", world.Gateway.AdminToken);
        var finished = await world.SettledAsync(task.Id);

        Assert.Equal("rejected", decided.Json.Str("status"));
        Assert.Equal("refused by admin (dashboard)", finished.Output);
    }

    [Fact]
    public async Task A_replay_creates_a_linked_fork_that_the_pool_runs()
    {
        await using var world = await World.StartAsync();
        var gateway = world.Gateway;
        var source = await world.Runtime.SubmitAsync("clerk", "refund please", gateway.CustomerId, cancellationToken: Ct);
        await world.SettledAsync(source.Id);
        await gateway.PostApiAsync($"tasks/{source.Id}/approval", """{"approved":true,"by":"dana"}""", gateway.Key);
        await world.SettledAsync(source.Id);

        var replay = await gateway.PostApiAsync($"tasks/{source.Id}/replay", """{"from_step":2}""", gateway.Key);
        var forkId = replay.Json.Str("task_id");
        var parked = await world.SettledAsync(forkId);
        var page = await gateway.GetApiAsync($"tasks/{forkId}", gateway.Key);
        var listed = await gateway.GetApiAsync($"tasks?q={forkId}", gateway.Key);

        Assert.Equal(201, replay.Status);
        Assert.Equal((source.Id, 2, 1), (replay.Json.Str("forked_from"), replay.Json.GetProperty("from_step").GetInt32(), replay.Json.GetProperty("reused_steps").GetInt32()));
        Assert.Equal(AgentTaskStatus.Waiting, parked.Status); // step 1 reused; the approval at step 2 asked again, live
        Assert.Equal((source.Id, 2), (page.Json.GetProperty("task").Str("forked_from"), page.Json.GetProperty("task").GetProperty("forked_at_step").GetInt32()));
        Assert.Equal(["quote"], page.Json.GetProperty("steps").EnumerateArray().Select(s => s.Str("name")));
        Assert.Equal(source.Id, Assert.Single(listed.Json.GetProperty("tasks").EnumerateArray()).Str("forked_from"));
    }

    [Fact]
    public async Task A_replay_the_server_cannot_run_is_refused_before_a_fork_is_made()
    {
        await using var world = await World.StartAsync();
        var gateway = world.Gateway;
        var foreign = await DashboardSeed.TaskAsync(gateway.Store, gateway.CustomerId, new() { Agent = "elsewhere" });
        var clerkTask = await world.Runtime.SubmitAsync("clerk", "refund please", gateway.CustomerId, cancellationToken: Ct);
        await world.SettledAsync(clerkTask.Id);

        var otherAgent = await gateway.PostApiAsync($"tasks/{foreign.Id}/replay", """{"from_step":1}""", gateway.AdminToken);
        var unknownModel = await gateway.PostApiAsync($"tasks/{clerkTask.Id}/replay", """{"from_step":1,"set_model":"gpt-9"}""", gateway.AdminToken);
        var outside = await gateway.PostApiAsync($"tasks/{clerkTask.Id}/replay", """{"from_step":99}""", gateway.AdminToken);
        var noStep = await gateway.PostApiAsync($"tasks/{clerkTask.Id}/replay", "{}", gateway.AdminToken);

        Assert.Equal((409, 400, 400, 400), (otherAgent.Status, unknownModel.Status, outside.Status, noStep.Status));
        Assert.Contains("gpt-9", unknownModel.Text, StringComparison.Ordinal);
        Assert.Equal(2, (await gateway.Store.ListTasksAsync(new TaskQuery(), Ct)).Count);
    }
}
