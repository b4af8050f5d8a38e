using System.Globalization;
using Keel.Context;
using Keel.Journal;
using Keel.Storage;
using Keel.Tasks;
using Keel.Usage;
using Microsoft.Extensions.AI;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>A task resumed after it parked or its process died replays its journal instead of running its steps again.</summary>
public sealed class DurableTaskTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_resumed_task_returns_recorded_results_without_running_its_steps_again()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var agent = new DelegateAgent("clerk", async (context, token) =>
        {
            var draw = await context.StepAsync("draw", _ => { runs.Add("draw"); return Task.FromResult(Guid.NewGuid().ToString("N")); }, token);
            var receipt = await context.ToolAsync("charge", """{"usd":5}""", (call, _) => { runs.Add("charge"); return Task.FromResult($"receipt-{draw[..6]}"); }, costUsd: 0.25m, cancellationToken: token);
            var reply = await context.ChatAsync(DurableHost.Model, [new ChatMessage(ChatRole.User, $"Thank the customer for {receipt}.")], cancellationToken: token);
            runs.Add("before-sleep");
            await context.SleepAsync(TimeSpan.FromHours(1), cancellationToken: token);
            var after = await context.StepAsync("after", _ => { runs.Add("after"); return Task.FromResult(42); }, token);
            return $"{draw}|{receipt}|{reply.Text}|{after}";
        });

        var parked = await host.Runtime.RunAsync(agent, "charge me", host.CustomerId, cancellationToken: Ct);
        Assert.Equal(AgentTaskStatus.Waiting, parked.Status);
        var costBefore = (await host.Store.GetTaskSummaryAsync(parked.Id, Ct))!.CostUsd;
        host.Time.Advance(TimeSpan.FromHours(1));
        await host.DrainAsync(agent);

        var done = await host.TaskAsync(parked.Id);
        Assert.Equal(AgentTaskStatus.Succeeded, done.Status);
        Assert.Equal(1, runs["draw"]);
        Assert.Equal(1, runs["charge"]);
        Assert.Equal(1, runs["after"]);
        Assert.Equal(2, runs["before-sleep"]); // plain code between steps runs on every pass: that is why steps exist
        var steps = await host.Store.GetStepsAsync(parked.Id, Ct);
        Assert.Equal([StepKind.Step, StepKind.Tool, StepKind.Model, StepKind.Timer, StepKind.Step], steps.Select(s => s.Kind));
        Assert.Equal([1, 2, 3, 4, 5], steps.Select(s => s.Seq));
        var parts = done.Output!.Split('|');
        Assert.Equal(steps[0].Result, $"\"{parts[0]}\""); // the draw the first run made, not a new one
        Assert.Equal(steps[1].Result, parts[1]);
        Assert.Equal("42", parts[3]);
        Assert.Equal(MessageJson.Deserialize(steps[2].Result!).Text, parts[2]);
        var usage = await host.Store.GetUsageAsync(parked.Id, Ct);
        Assert.Equal([UsageKind.Model, UsageKind.Tool], usage.Select(u => u.Kind).Order()); // replay bills nothing again
        Assert.Equal(costBefore, (await host.Store.GetTaskSummaryAsync(parked.Id, Ct))!.CostUsd);
    }

    [Fact]
    public async Task A_task_whose_process_died_is_finished_by_a_new_worker_after_its_lease_expires_each_step_once()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var crash = true;
        var agent = new DelegateAgent("clerk", async (context, token) =>
        {
            var a = await context.StepAsync("a", _ => { runs.Add("a"); return Task.FromResult(1); }, token);
            var b = await context.ToolAsync("b", null, (_, _) => { runs.Add("b"); return Task.FromResult("2"); }, cancellationToken: token);
            if (crash)
            {
                crash = false;
                await host.CrashAsync();
                throw new InvalidOperationException("the power went out");
            }

            var c = await context.StepAsync("c", _ => { runs.Add("c"); return Task.FromResult(3); }, token);
            return $"{a}{b}{c}";
        });

        await Assert.ThrowsAnyAsync<ObjectDisposedException>(() => host.Runtime.RunAsync(agent, "go", host.CustomerId, cancellationToken: Ct));
        var deadWorker = host.Runtime.InlineWorker;
        await host.RestartAsync();
        var orphan = Assert.Single(await host.Store.ListTasksAsync(new TaskQuery { Agent = "clerk" }, Ct)).Task;
        Assert.Equal(AgentTaskStatus.Running, orphan.Status);
        Assert.Equal(deadWorker, orphan.LeaseOwner);

        Assert.Null(await host.Store.ClaimTaskAsync(new TaskClaim("other", ["clerk"], host.Time.GetUtcNow(), TimeSpan.FromSeconds(30)), Ct)); // its lease still runs
        host.Time.Advance(host.Runtime.Lease);
        var settled = new List<AgentTask>();
        var pool = host.Pool(agent);
        pool.TaskSettled += settled.Add;
        await DurableHost.DrainAsync(pool);

        var done = await host.TaskAsync(orphan.Id);
        Assert.Equal(AgentTaskStatus.Succeeded, done.Status);
        Assert.Equal("123", done.Output);
        Assert.Equal((1, 1, 1), (runs["a"], runs["b"], runs["c"]));
        Assert.Equal([1, 2, 3], (await host.Store.GetStepsAsync(orphan.Id, Ct)).Select(s => s.Seq));
        Assert.Equal(orphan.Id, Assert.Single(settled).Id);
    }

    [Fact]
    public async Task A_task_of_a_dead_local_worker_is_taken_over_at_once_without_waiting_for_its_lease()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var crash = true;
        var agent = new DelegateAgent("clerk", async (context, token) =>
        {
            await context.StepAsync("a", _ => { runs.Add("a"); return Task.FromResult(1); }, token);
            if (crash)
            {
                crash = false;
                await host.CrashAsync();
                throw new InvalidOperationException("killed");
            }

            await context.StepAsync("b", _ => { runs.Add("b"); return Task.FromResult(2); }, token);
            return "done";
        });

        // A worker of this host whose process is gone: no process can have this id (Linux caps pids far lower).
        var deadWorker = $"worker/{Environment.MachineName}/{int.MaxValue.ToString(CultureInfo.InvariantCulture)}/deadbeef";
        var submitted = await host.Runtime.SubmitAsync("clerk", "go", host.CustomerId, cancellationToken: Ct);
        var claimed = await host.Store.ClaimTaskAsync(new TaskClaim(deadWorker, ["clerk"], host.Time.GetUtcNow(), host.Runtime.Lease), Ct);
        await Assert.ThrowsAnyAsync<ObjectDisposedException>(() => host.Runtime.ExecuteAsync(claimed!, agent, deadWorker, cancellationToken: Ct));
        await host.RestartAsync();
        Assert.Equal(deadWorker, (await host.TaskAsync(submitted.Id)).LeaseOwner);

        await host.DrainAsync(agent); // the clock has not moved: the lease is still live by time

        Assert.Equal(AgentTaskStatus.Succeeded, (await host.TaskAsync(submitted.Id)).Status);
        Assert.Equal((1, 1), (runs["a"], runs["b"]));
    }

    [Fact]
    public async Task A_failed_step_replays_its_error_instead_of_running_again()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var seen = new List<string>();
        var agent = new DelegateAgent("clerk", async (context, token) =>
        {
            try
            {
                await context.StepAsync<int>("lookup", _ => { runs.Add("lookup"); throw new InvalidOperationException("upstream answered 503"); }, token);
            }
            catch (Exception ex) when (ex is not TaskSuspendedException)
            {
                seen.Add($"{ex.GetType().Name}: {ex.Message}");
            }

            await context.SleepAsync(TimeSpan.FromMinutes(5), cancellationToken: token);
            return "carried on";
        });

        var parked = await host.Runtime.RunAsync(agent, "go", host.CustomerId, cancellationToken: Ct);
        host.Time.Advance(TimeSpan.FromMinutes(5));
        await host.DrainAsync(agent);

        Assert.Equal("carried on", (await host.TaskAsync(parked.Id)).Output);
        Assert.Equal(1, runs["lookup"]);
        Assert.Equal(["InvalidOperationException: upstream answered 503", "StepFailedException: upstream answered 503"], seen);
        var step = (await host.Store.GetStepsAsync(parked.Id, Ct))[0];
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.Equal("upstream answered 503", step.Error);
    }

    [Fact]
    public async Task A_tool_call_cut_off_by_a_crash_runs_again_with_the_same_idempotency_key()
    {
        await using var host = await DurableHost.StartAsync();
        var keys = new List<string>();
        var crash = true;
        var agent = new DelegateAgent("payer", async (context, token) =>
        {
            await context.StepAsync("prepare", _ => Task.FromResult(0), token);
            return await context.ToolAsync("pay", """{"usd":40}""", async (call, _) =>
            {
                keys.Add(call.IdempotencyKey);
                if (crash)
                {
                    crash = false;
                    await host.CrashAsync(); // the payment went out; its result never reached the journal
                    throw new IOException("connection reset");
                }

                return "paid";
            }, cancellationToken: token);
        });

        await Assert.ThrowsAnyAsync<ObjectDisposedException>(() => host.Runtime.RunAsync(agent, "pay 40", host.CustomerId, cancellationToken: Ct));
        await host.RestartAsync();
        host.Time.Advance(host.Runtime.Lease);
        await host.DrainAsync(agent);

        var task = Assert.Single(await host.Store.ListTasksAsync(new TaskQuery { Agent = "payer" }, Ct)).Task;
        Assert.Equal("paid", task.Output);
        Assert.Equal(2, keys.Count);
        Assert.Equal($"{task.Id}/2", keys[0]);
        Assert.Equal(keys[0], keys[1]);
    }
}
