using System.Collections.Concurrent;
using Keel.Approvals;
using Keel.Storage;
using Keel.Tasks;
using Keel.Workers;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>Worker pools: claims under a lease, concurrency, takeover from a stalled worker, and shutdown.</summary>
public sealed class WorkerPoolTests
{
    private const string Stalled = "worker/stalled";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_pool_drains_many_tasks_several_at_once_running_each_once()
    {
        const int tasks = 24;
        const int concurrency = 4;
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var started = 0;
        var inside = 0;
        var mostInside = 0;
        var fourStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = new DelegateAgent("counter", async (context, token) =>
        {
            var now = Interlocked.Increment(ref inside);
            InterlockedMax(ref mostInside, now);
            if (Interlocked.Increment(ref started) >= concurrency)
            {
                fourStarted.TrySetResult();
            }

            // A pool that ran one task at a time would never get past this: the first task waits for the fourth.
            await fourStarted.Task.WaitAsync(TimeSpan.FromSeconds(30), token);
            await context.StepAsync("count", _ => { runs.Add(context.Task.Input!); return Task.FromResult(0); }, token);
            Interlocked.Decrement(ref inside);
            return context.Task.Input!;
        });
        var submitted = new List<AgentTask>();
        for (var i = 0; i < tasks; i++)
        {
            submitted.Add(await host.Runtime.SubmitAsync("counter", $"job-{i}", host.CustomerId, cancellationToken: Ct));
        }

        var settled = new ConcurrentBag<AgentTask>();
        var pool = host.Pool(new WorkerOptions { Concurrency = concurrency }, agent);
        pool.TaskSettled += settled.Add;
        var made = await DurableHost.DrainAsync(pool);

        Assert.Equal(tasks, made);
        Assert.Equal(concurrency, mostInside);
        Assert.Equal(tasks, settled.Count);
        Assert.Equal(submitted.Select(t => t.Id).Order(), settled.Select(t => t.Id).Order());
        Assert.All(settled, t => Assert.Equal(AgentTaskStatus.Succeeded, t.Status));
        Assert.All(submitted, t => Assert.Equal(1, runs[t.Input!]));
    }

    [Fact]
    public async Task Two_pools_draining_one_store_at_once_never_run_a_task_twice()
    {
        const int tasks = 30;
        await using var host = await DurableHost.StartAsync();
        var runtime = host.RuntimeOn(TimeProvider.System); // two live pools wait for each other's leases on a real clock
        var runs = new ExecutionCounter();
        var agent = new DelegateAgent("counter", async (context, token) =>
        {
            await Task.Yield();
            await context.StepAsync("count", _ => { runs.Add(context.Task.Input!); return Task.FromResult(0); }, token);
            return "ok";
        });
        for (var i = 0; i < tasks; i++)
        {
            await runtime.SubmitAsync("counter", $"job-{i}", host.CustomerId, cancellationToken: Ct);
        }

        var settled = new ConcurrentBag<(string Pool, AgentTask Task)>();
        var pools = Enumerable.Range(0, 2).Select(name =>
        {
            var pool = new TaskWorkerPool(runtime, new AgentRegistry([agent]), new WorkerOptions { Concurrency = 3 });
            pool.TaskSettled += t => settled.Add((pool.Worker, t));
            return pool;
        }).ToList();
        var made = await Task.WhenAll(pools.Select(DurableHost.DrainAsync));

        Assert.Equal(tasks, made.Sum());
        Assert.Equal(tasks, settled.Select(s => s.Task.Id).Distinct().Count());
        Assert.Equal(tasks, settled.Count);
        Assert.All(Enumerable.Range(0, tasks), i => Assert.Equal(1, runs[$"job-{i}"]));
    }

    [Fact]
    public async Task A_pool_that_claims_back_a_task_it_is_still_running_does_not_start_a_twin()
    {
        await using var host = await DurableHost.StartAsync();
        var entered = 0;
        var inside = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = new DelegateAgent("clerk", async (context, token) =>
        {
            Interlocked.Increment(ref entered);
            await context.StepAsync("a", _ => Task.FromResult(1), token);
            inside.TrySetResult();
            await resume.Task;
            await context.StepAsync("b", _ => Task.FromResult(2), token);
            return "once";
        });
        var submitted = await host.Runtime.SubmitAsync("clerk", "go", host.CustomerId, cancellationToken: Ct);
        var settled = new ConcurrentBag<AgentTask>();

        // A lease far longer than the clock moves below: the run's heartbeat (every third of the lease) must not tick
        // while its lease is expired, or it would rightly stop the run, and then a second run is what should happen.
        // With the 30 s default, a claim loop slow to react (a busy CI machine) let the clock pass 10 s first.
        var pool = new TaskWorkerPool(host.RuntimeOn(host.Time, lease: TimeSpan.FromHours(1)), new AgentRegistry([agent]), new WorkerOptions());
        pool.TaskSettled += settled.Add;
        var drain = DurableHost.DrainAsync(pool);
        await inside.Task;

        // The run stalls past its lease (its heartbeat never got through), and the pool's own claim loop takes the task back.
        await host.Store.ExpireLeasesAsync(pool.Worker, host.Time.GetUtcNow(), Ct);
        var expired = host.Time.GetUtcNow();
        for (var poll = 0; poll < 100_000 && (await host.TaskAsync(submitted.Id)).LeaseExpiresAt <= expired; poll++)
        {
            host.Time.Advance(new WorkerOptions().PollInterval);
            await Task.Yield();
        }

        resume.SetResult();
        await drain;

        Assert.Equal(1, entered);
        Assert.Equal(submitted.Id, Assert.Single(settled).Id);
        Assert.Equal("once", (await host.TaskAsync(submitted.Id)).Output);
    }

    [Fact]
    public async Task A_drain_with_nothing_to_do_returns_at_once()
    {
        await using var host = await DurableHost.StartAsync();

        Assert.Equal(0, await host.DrainAsync(new DelegateAgent("idle", (_, _) => Task.FromResult("never"))));
    }

    [Theory]
    [InlineData("takes a step")]
    [InlineData("fails")]
    [InlineData("parks")]
    public async Task A_stalled_worker_that_lost_its_lease_stores_nothing_whatever_it_does_next(string next)
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = new DelegateAgent("clerk", async (context, token) =>
        {
            await context.StepAsync("a", _ => { runs.Add("a"); return Task.FromResult(1); }, token);
            if (context.Task.LeaseOwner == Stalled)
            {
                stalled.SetResult();
                await resume.Task; // a long GC pause, a frozen VM: no step, no heartbeat
                switch (next)
                {
                    case "takes a step":
                        await context.StepAsync("b", _ => Task.FromResult(2), token);
                        break;
                    case "fails":
                        throw new InvalidOperationException("stalled worker gave up");
                    default:
                        await context.WaitForApprovalAsync("Approve the stale run?", cancellationToken: token);
                        break;
                }

                return "stale";
            }

            await context.StepAsync("b", _ => { runs.Add("b"); return Task.FromResult(2); }, token);
            return "fresh";
        });
        var submitted = await host.Runtime.SubmitAsync("clerk", "go", host.CustomerId, cancellationToken: Ct);
        var claimed = await host.Store.ClaimTaskAsync(new TaskClaim(Stalled, ["clerk"], host.Time.GetUtcNow(), host.Runtime.Lease), Ct);
        var stalledRun = host.RuntimeOn(new FakeTimeProvider(host.Time.GetUtcNow())).ExecuteAsync(claimed!, agent, Stalled, cancellationToken: Ct);
        await stalled.Task;

        host.Time.Advance(host.Runtime.Lease);
        await host.DrainAsync(agent);
        resume.SetResult();
        var stale = await stalledRun;

        Assert.Equal(claimed, stale); // handed back unchanged: the task is not its to settle
        var done = await host.TaskAsync(submitted.Id);
        Assert.Equal((AgentTaskStatus.Succeeded, "fresh", null), (done.Status, done.Output, done.Error));
        Assert.Equal([1, 2], (await host.Store.GetStepsAsync(submitted.Id, Ct)).Select(s => s.Seq));
        Assert.Equal((1, 1), (runs["a"], runs["b"]));
        Assert.Empty(await host.Store.ListApprovalsAsync(cancellationToken: Ct));
    }

    [Fact]
    public async Task A_stalled_workers_heartbeat_finds_its_lease_taken_and_cancels_its_run()
    {
        await using var host = await DurableHost.StartAsync();
        var stalledClock = new FakeTimeProvider(host.Time.GetUtcNow());
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = false;
        var agent = new DelegateAgent("clerk", async (context, token) =>
        {
            if (context.Task.LeaseOwner == Stalled)
            {
                stalled.SetResult();
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
                catch (OperationCanceledException)
                {
                    cancelled = true;
                    throw;
                }
            }

            return await context.StepAsync("work", _ => Task.FromResult("fresh"), token);
        });
        var submitted = await host.Runtime.SubmitAsync("clerk", "go", host.CustomerId, cancellationToken: Ct);
        var claimed = await host.Store.ClaimTaskAsync(new TaskClaim(Stalled, ["clerk"], host.Time.GetUtcNow(), host.Runtime.Lease), Ct);
        var stalledRun = host.RuntimeOn(stalledClock).ExecuteAsync(claimed!, agent, Stalled, cancellationToken: Ct);
        await stalled.Task;
        host.Time.Advance(host.Runtime.Lease);
        await host.DrainAsync(agent);

        stalledClock.Advance(host.Runtime.Lease / 3); // its next heartbeat
        var stale = await stalledRun.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.True(cancelled);
        Assert.Equal(claimed, stale);
        var done = await host.TaskAsync(submitted.Id);
        Assert.Equal((AgentTaskStatus.Succeeded, "fresh"), (done.Status, done.Output));
    }

    [Fact]
    public async Task A_pool_shutting_down_hands_its_running_task_back_to_the_queue_at_once()
    {
        await using var host = await DurableHost.StartAsync();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = new DelegateAgent("clerk", async (context, token) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, token);
            return "never";
        });
        var submitted = await host.Runtime.SubmitAsync("clerk", "go", host.CustomerId, cancellationToken: Ct);
        using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var pool = host.Pool(slow);
        var running = pool.RunAsync(shutdown.Token);
        await started.Task;

        await shutdown.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var released = await host.TaskAsync(submitted.Id);
        Assert.Equal((AgentTaskStatus.Running, null), (released.Status, released.LeaseOwner));
        var next = await host.Store.ClaimTaskAsync(new TaskClaim("next", ["clerk"], host.Time.GetUtcNow(), host.Runtime.Lease), Ct);
        Assert.Equal(submitted.Id, next?.Id); // no wait for a lease to run out
    }

    [Fact]
    public async Task An_approval_decided_while_no_worker_runs_is_picked_up_by_a_running_pool()
    {
        await using var host = await DurableHost.StartAsync();
        var agent = new DelegateAgent("clerk", async (context, token) =>
            (await context.WaitForApprovalAsync("Go?", cancellationToken: token)).Approved ? "went" : "stayed");
        var parked = await host.Runtime.RunAsync(agent, "go", host.CustomerId, cancellationToken: Ct);
        var probe = await host.Runtime.SubmitAsync("probe", "", host.CustomerId, cancellationToken: Ct);
        var probed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var settled = new TaskCompletionSource<AgentTask>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var pool = host.Pool(agent, new DelegateAgent("probe", (_, _) => Task.FromResult("")));
        pool.TaskSettled += t => (t.Id == probe.Id ? probed : null)?.TrySetResult();
        pool.TaskSettled += t => (t.Id == parked.Id ? settled : null)?.TrySetResult(t);
        var running = pool.RunAsync(stop.Token);
        await probed.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct); // the pool is up, has run what there was, and goes idle

        await host.Store.DecideApprovalAsync(parked.Id, new ApprovalDecision(true, "ann"), host.Time.GetUtcNow(), Ct);
        for (var poll = 0; poll < 100_000 && !settled.Task.IsCompleted; poll++)
        {
            host.Time.Advance(new WorkerOptions().PollInterval); // the idle pool looks for work at each tick
            await Task.Yield();
        }

        var done = await settled.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await stop.CancelAsync();
        await running;

        Assert.Equal((parked.Id, "went"), (done.Id, done.Output));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
