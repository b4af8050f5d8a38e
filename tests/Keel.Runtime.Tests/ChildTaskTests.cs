using Keel.Approvals;
using Keel.Journal;
using Keel.Tasks;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>A parent runs another agent as a child task, parks while it runs, and resumes with its output.</summary>
public sealed class ChildTaskTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DelegateAgent Planner(ExecutionCounter runs) => new("planner", async (context, token) =>
    {
        await context.StepAsync("plan", _ => { runs.Add("plan"); return Task.FromResult(0); }, token);
        var draft = await context.RunChildAsync("writer", "outline: cats", token);
        await context.StepAsync("publish", _ => { runs.Add("publish"); return Task.FromResult(0); }, token);
        return $"published {draft}";
    });

    private static DelegateAgent Writer(ExecutionCounter runs, bool fail = false) => new("writer", async (context, token) =>
        await context.StepAsync("write", _ =>
        {
            runs.Add("write");
            return fail ? throw new InvalidOperationException("out of ink") : Task.FromResult($"draft of [{context.Task.Input}]");
        }, token));

    [Fact]
    public async Task A_parent_waits_for_its_child_and_resumes_with_the_childs_output()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var session = await host.Store.CreateSessionAsync(host.CustomerId, Ct);
        var parent = await host.Runtime.SubmitAsync("planner", "cats", host.CustomerId, session.Id, Ct);

        await host.DrainAsync(Planner(runs), Writer(runs));

        var done = await host.TaskAsync(parent.Id);
        Assert.Equal(AgentTaskStatus.Succeeded, done.Status);
        Assert.Equal("published draft of [outline: cats]", done.Output);
        Assert.Equal((1, 1, 1), (runs["plan"], runs["write"], runs["publish"]));
        var child = await host.Store.FindChildTaskAsync(parent.Id, 2, Ct);
        Assert.NotNull(child);
        Assert.Equal(("writer", AgentTaskStatus.Succeeded, parent.Id, 2), (child.Agent, child.Status, child.ParentId, child.ParentStep));
        Assert.Equal((host.CustomerId, session.Id), (child.CustomerId, child.SessionId));
        var steps = await host.Store.GetStepsAsync(parent.Id, Ct);
        Assert.Equal([StepKind.Step, StepKind.Child, StepKind.Step], steps.Select(s => s.Kind));
        Assert.Equal(("writer", child.Output), (steps[1].Name, steps[1].Result));
    }

    [Fact]
    public async Task A_failed_child_fails_the_parents_step()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var parent = await host.Runtime.SubmitAsync("planner", "cats", host.CustomerId, cancellationToken: Ct);

        await host.DrainAsync(Planner(runs), Writer(runs, fail: true));

        var failed = await host.TaskAsync(parent.Id);
        var child = await host.Store.FindChildTaskAsync(parent.Id, 2, Ct);
        Assert.Equal(AgentTaskStatus.Failed, child!.Status);
        Assert.Equal(AgentTaskStatus.Failed, failed.Status);
        Assert.Contains("out of ink", failed.Error, StringComparison.Ordinal);
        Assert.Contains(child.Id, failed.Error, StringComparison.Ordinal);
        Assert.Equal(StepStatus.Failed, (await host.Store.GetStepsAsync(parent.Id, Ct))[1].Status);
        Assert.Equal(0, runs["publish"]);
    }

    [Fact]
    public async Task A_parent_whose_child_no_worker_here_runs_is_left_waiting_and_the_drain_ends()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var parent = await host.Runtime.SubmitAsync("planner", "cats", host.CustomerId, cancellationToken: Ct);

        Assert.Equal(1, await host.DrainAsync(Planner(runs)));
        var waiting = await host.TaskAsync(parent.Id);
        Assert.Equal((AgentTaskStatus.Waiting, null), (waiting.Status, waiting.WakeAt));
        Assert.Equal(AgentTaskStatus.Pending, (await host.Store.FindChildTaskAsync(parent.Id, 2, Ct))!.Status);

        Assert.Equal(1, await host.DrainAsync(Writer(runs))); // the child; its parent's agent is not here
        Assert.Equal(1, await host.DrainAsync(Planner(runs)));

        Assert.Equal("published draft of [outline: cats]", (await host.TaskAsync(parent.Id)).Output);
        Assert.Equal((1, 1, 1), (runs["plan"], runs["write"], runs["publish"]));
    }

    [Fact]
    public async Task A_parent_resumed_again_later_replays_its_child_step_and_starts_no_second_child()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var planner = new DelegateAgent("planner", async (context, token) =>
        {
            var draft = await context.RunChildAsync("writer", "outline", token);
            var approval = await context.WaitForApprovalAsync($"Publish {draft}?", cancellationToken: token);
            return approval.Approved ? draft : "shelved";
        });
        var parent = await host.Runtime.SubmitAsync("planner", "cats", host.CustomerId, cancellationToken: Ct);
        await host.DrainAsync(planner, Writer(runs));
        Assert.Equal(AgentTaskStatus.Waiting, (await host.TaskAsync(parent.Id)).Status);

        await host.Store.DecideApprovalAsync(parent.Id, new ApprovalDecision(true, "ann"), host.Time.GetUtcNow(), Ct);
        await host.DrainAsync(planner, Writer(runs));

        Assert.Equal("draft of [outline]", (await host.TaskAsync(parent.Id)).Output);
        Assert.Equal(1, runs["write"]);
        Assert.Single(await host.Store.ListTasksAsync(new TaskQuery { Agent = "writer" }, Ct));
    }
}
