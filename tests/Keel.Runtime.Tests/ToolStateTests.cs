using System.Globalization;
using System.Text.Json;
using Keel.Journal;
using Keel.Metering;
using Keel.Pricing;
using Keel.Resilience;
using Keel.Routing;
using Keel.Tasks;
using Keel.ToolState;
using Keel.Workers;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Keel.Runtime.Tests;

public sealed class ToolStateTests
{
    private static readonly ResilienceOptions Fast = new() { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1), AttemptTimeout = TimeSpan.FromSeconds(5) };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static AgentRuntime Runtime(TempStore temp, TimeProvider? time = null) =>
        new(temp.Store, new ResilientModelCaller(new ModelCatalog([new ModelRoute("m", [Sim.Deployment("a")])]), Fast), new UsageMeter(PriceTable.Default), time);

    private static long Count(ToolStateEntry? entry) => entry is null ? 0 : long.Parse(entry.Value, CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_resumed_task_reads_again_the_value_its_first_run_read_though_the_state_changed()
    {
        await using var temp = await TempStore.CreateAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 14, 9, 0, 0, TimeSpan.Zero));
        var customer = await temp.Store.EnsureCustomerAsync("acme", Ct);
        var key = ToolStateKey.ForCustomer(customer.Id, "crm", "tier");
        await temp.Store.CompareAndSetToolStateAsync(new ToolStateWrite(key, 0, "\"silver\""), Ct);
        var runs = 0;
        var agent = new DelegateAgent("reader", async (context, token) =>
        {
            runs++;
            var crm = context.ToolState(ToolStateScope.Customer, "crm");
            var before = await crm.GetAsync("tier", token);
            await context.SleepAsync(TimeSpan.FromHours(1), cancellationToken: token);
            var after = await crm.GetAsync("tier", token);
            return $"{before!.Value} v{before.Version}, then {after!.Value} v{after.Version}";
        });
        var runtime = Runtime(temp, time);

        var parked = await runtime.RunAsync(agent, "go", customer.Id, cancellationToken: Ct);
        await temp.Store.CompareAndSetToolStateAsync(new ToolStateWrite(key, 1, "\"gold\""), Ct);
        time.Advance(TimeSpan.FromHours(1));
        await new TaskWorkerPool(runtime, new AgentRegistry([agent])).DrainAsync(Ct);

        Assert.Equal(AgentTaskStatus.Waiting, parked.Status);
        var done = await temp.Store.FindTaskAsync(parked.Id, Ct);
        Assert.Equal(AgentTaskStatus.Succeeded, done!.Status);
        Assert.Equal(2, runs);
        Assert.Equal("\"silver\" v1, then \"gold\" v2", done.Output);
        var steps = await temp.Store.GetStepsAsync(parked.Id, Ct);
        Assert.Equal([StepKind.State, StepKind.Timer, StepKind.State], steps.Select(s => s.Kind));
        Assert.Equal("get customer/crm/tier", steps[0].Name);
    }

    [Fact]
    public async Task A_resumed_task_replays_its_writes_and_conflicts_instead_of_applying_them_again()
    {
        await using var temp = await TempStore.CreateAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 14, 9, 0, 0, TimeSpan.Zero));
        var customer = await temp.Store.EnsureCustomerAsync("acme", Ct);
        var outputs = new List<string>();
        var agent = new DelegateAgent("writer", async (context, token) =>
        {
            var counter = context.ToolState(ToolStateScope.Customer, "counter");
            var created = await counter.CompareAndSetAsync("n", 0, "1", token);
            var stale = await counter.CompareAndSetAsync("n", 0, "100", token);
            var visits = await counter.UpdateAsync("visits", e => $"{Count(e) + 1}", token);
            outputs.Add($"{created.Succeeded} v{created.Version}; {stale.Succeeded} v{stale.Version} {stale.Entry?.Value}; visits v{visits.Version}");
            await context.SleepAsync(TimeSpan.FromHours(1), cancellationToken: token);
            return outputs[^1];
        });
        var runtime = Runtime(temp, time);

        var parked = await runtime.RunAsync(agent, "go", customer.Id, cancellationToken: Ct);
        var n = ToolStateKey.ForCustomer(customer.Id, "counter", "n");
        await temp.Store.CompareAndSetToolStateAsync(new ToolStateWrite(n, 1, "2"), Ct); // someone else moves on to version 2
        time.Advance(TimeSpan.FromHours(1));
        await new TaskWorkerPool(runtime, new AgentRegistry([agent])).DrainAsync(Ct);

        Assert.Equal(["True v1; False v1 1; visits v1", "True v1; False v1 1; visits v1"], outputs);
        Assert.Equal(AgentTaskStatus.Succeeded, (await temp.Store.FindTaskAsync(parked.Id, Ct))!.Status);
        Assert.Equal(["2", "1"], (await temp.Store.GetToolStateHistoryAsync(n, cancellationToken: Ct)).Select(e => e.Value));
        var visitsHistory = await temp.Store.GetToolStateHistoryAsync(ToolStateKey.ForCustomer(customer.Id, "counter", "visits"), cancellationToken: Ct);
        Assert.Equal(parked.Id, Assert.Single(visitsHistory).TaskId);
        var steps = await temp.Store.GetStepsAsync(parked.Id, Ct);
        Assert.Equal(["cas customer/counter/n", "cas customer/counter/n", "update customer/counter/visits", "sleep"], steps.Select(s => s.Name));
    }

    [Fact]
    public async Task Concurrent_tasks_incrementing_one_counter_by_compare_and_set_lose_no_update()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", Ct);
        const int tasks = 20;
        const int incrementsPerTask = 5;
        var firstReads = 0;
        var allReadVersionZero = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var agent = new DelegateAgent("incrementer", async (context, token) =>
        {
            var counter = context.ToolState(ToolStateScope.Customer, "counter");
            for (var i = 0; i < incrementsPerTask; i++)
            {
                var entry = await counter.GetAsync("n", token);
                if (i == 0 && Interlocked.Increment(ref firstReads) == tasks)
                {
                    allReadVersionZero.SetResult();
                }

                if (i == 0)
                {
                    // Every task read before any writes: all but one of the first writes must conflict.
                    await allReadVersionZero.Task.WaitAsync(token);
                }

                while (true)
                {
                    var result = await counter.CompareAndSetAsync("n", entry?.Version ?? 0, $"{Count(entry) + 1}", token);
                    if (result.Succeeded)
                    {
                        break;
                    }

                    entry = result.Entry;
                }
            }

            return "done";
        });
        var runtime = Runtime(temp);

        var finished = await Task.WhenAll(Enumerable.Range(0, tasks).Select(_ => Task.Run(() => runtime.RunAsync(agent, "go", customer.Id, cancellationToken: Ct), Ct)));

        Assert.All(finished, t => Assert.Equal(AgentTaskStatus.Succeeded, t.Status));
        var key = ToolStateKey.ForCustomer(customer.Id, "counter", "n");
        var final = await temp.Store.GetToolStateAsync(key, Ct);
        Assert.Equal($"{tasks * incrementsPerTask}", final!.Value);
        Assert.Equal(tasks * incrementsPerTask, final.Version);
        var history = await temp.Store.GetToolStateHistoryAsync(key, limit: 1000, cancellationToken: Ct);
        Assert.Equal(Enumerable.Range(1, tasks * incrementsPerTask).Reverse().Select(v => (long)v), history.Select(e => e.Version));
        Assert.All(history, e => Assert.Equal($"{e.Version}", e.Value));

        // Every version written is a successful compare-and-set step of the task the history names, and no other step wrote.
        var writes = new List<(string Task, int Seq)>();
        var conflicts = 0;
        foreach (var task in finished)
        {
            foreach (var step in (await temp.Store.GetStepsAsync(task.Id, Ct)).Where(s => s.Name == "cas customer/counter/n"))
            {
                using var result = JsonDocument.Parse(step.Result!);
                if (result.RootElement.GetProperty("succeeded").GetBoolean())
                {
                    writes.Add((task.Id, step.Seq));
                }
                else
                {
                    conflicts++;
                }
            }
        }

        Assert.Equal(writes.Order(), history.Select(e => (e.TaskId!, e.StepSeq!.Value)).Order());
        Assert.True(conflicts >= tasks - 1, $"Only {conflicts} conflicts were journaled; the first round alone makes {tasks - 1}.");
    }

    [Fact]
    public async Task Concurrent_updates_through_worker_pool_each_apply_once_as_one_journal_step()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", Ct);
        const int tasks = 12;
        var agent = new DelegateAgent("visitor", async (context, token) =>
        {
            var written = await context.ToolState(ToolStateScope.Customer, "stats").UpdateAsync("visits", e => $"{Count(e) + 1}", token);
            return written.Value;
        });
        var runtime = Runtime(temp);
        var submitted = new List<AgentTask>();
        for (var i = 0; i < tasks; i++)
        {
            submitted.Add(await runtime.SubmitAsync("visitor", "go", customer.Id, cancellationToken: Ct));
        }

        await new TaskWorkerPool(runtime, new AgentRegistry([agent]), new WorkerOptions { Concurrency = tasks }).DrainAsync(Ct);

        var key = ToolStateKey.ForCustomer(customer.Id, "stats", "visits");
        Assert.Equal($"{tasks}", (await temp.Store.GetToolStateAsync(key, Ct))!.Value);
        var outputs = new List<string>();
        foreach (var task in submitted)
        {
            var done = await temp.Store.FindTaskAsync(task.Id, Ct);
            Assert.Equal(AgentTaskStatus.Succeeded, done!.Status);
            outputs.Add(done.Output!);
            Assert.Single(await temp.Store.GetStepsAsync(task.Id, Ct));
        }

        Assert.Equal(Enumerable.Range(1, tasks), outputs.Select(o => int.Parse(o, CultureInfo.InvariantCulture)).Order()); // each saw its own version
    }

    [Fact]
    public async Task Session_state_is_shared_by_a_sessions_tasks_and_task_state_by_no_other_task()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", Ct);
        var session = await temp.Store.CreateSessionAsync(customer.Id, Ct);
        var runtime = Runtime(temp);
        var first = new DelegateAgent("first", async (context, token) =>
        {
            await context.ToolState(ToolStateScope.Session, "cart").SetAsync("items", """["anvil"]""", token);
            await context.ToolState(ToolStateScope.Task, "cart").SetAsync("items", """["private"]""", token);
            return "ok";
        });
        var second = new DelegateAgent("second", async (context, token) =>
        {
            var shared = await context.ToolState(ToolStateScope.Session, "cart").GetAsync("items", token);
            var own = await context.ToolState(ToolStateScope.Task, "cart").GetAsync("items", token);
            return $"{shared?.Value} {own?.Value ?? "none"}";
        });
        Exception? sessionless = null;
        var third = new DelegateAgent("third", (context, _) =>
        {
            sessionless = Record.Exception(() => context.ToolState(ToolStateScope.Session, "cart"));
            return Task.FromResult("ok");
        });

        var wrote = await runtime.RunAsync(first, "go", customer.Id, session.Id, Ct);
        var read = await runtime.RunAsync(second, "go", customer.Id, session.Id, Ct);
        await runtime.RunAsync(third, "go", customer.Id, cancellationToken: Ct);

        Assert.Equal("""["anvil"] none""", read.Output);
        Assert.Equal("""["private"]""", (await temp.Store.GetToolStateAsync(ToolStateKey.ForTask(customer.Id, wrote.Id, "cart", "items"), Ct))!.Value);
        Assert.IsType<InvalidOperationException>(sessionless);
    }

    [Fact]
    public async Task A_value_that_is_not_json_is_refused_before_any_step_is_taken()
    {
        await using var temp = await TempStore.CreateAsync();
        var customer = await temp.Store.EnsureCustomerAsync("acme", Ct);
        Exception? refused = null;
        var agent = new DelegateAgent("writer", async (context, token) =>
        {
            refused = await Record.ExceptionAsync(() => context.ToolState(ToolStateScope.Customer, "crm").CompareAndSetAsync("tier", 0, "gold", token));
            return "ok";
        });

        var task = await Runtime(temp).RunAsync(agent, "go", customer.Id, cancellationToken: Ct);

        Assert.IsType<ArgumentException>(refused);
        Assert.Empty(await temp.Store.GetStepsAsync(task.Id, Ct));
        Assert.Null(await temp.Store.GetToolStateAsync(ToolStateKey.ForCustomer(customer.Id, "crm", "tier"), Ct));
    }
}
