using System.Globalization;
using Keel.Journal;
using Keel.Storage;
using Keel.Tasks;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>Durable timers: a long sleep parks the task in the store, and any worker wakes it when the time comes.</summary>
public sealed class TimerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DelegateAgent Sleeper(ExecutionCounter runs, TimeSpan delay) => new("sleeper", async (context, token) =>
    {
        await context.StepAsync("before", _ => { runs.Add("before"); return Task.FromResult(0); }, token);
        await context.SleepAsync(delay, "nap", token);
        await context.StepAsync("after", _ => { runs.Add("after"); return Task.FromResult(0); }, token);
        return "rested";
    });

    [Fact]
    public async Task A_long_sleep_parks_the_task_and_survives_a_restart_until_its_time_comes()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var start = host.Time.GetUtcNow();

        var parked = await host.Runtime.RunAsync(Sleeper(runs, TimeSpan.FromHours(1)), "nap", host.CustomerId, cancellationToken: Ct);

        Assert.Equal(AgentTaskStatus.Waiting, parked.Status);
        Assert.Equal(start.AddHours(1), parked.WakeAt);
        var timer = (await host.Store.GetStepsAsync(parked.Id, Ct))[1];
        Assert.Equal((StepKind.Timer, "nap"), (timer.Kind, timer.Name));
        Assert.Equal(start.AddHours(1), DateTimeOffset.Parse(timer.Result!, CultureInfo.InvariantCulture));

        await host.RestartAsync();
        host.Time.Advance(TimeSpan.FromMinutes(59));
        Assert.Null(await host.Store.ClaimTaskAsync(new TaskClaim("early", ["sleeper"], host.Time.GetUtcNow(), host.Runtime.Lease), Ct));
        Assert.Equal(AgentTaskStatus.Waiting, (await host.TaskAsync(parked.Id)).Status);
        Assert.Equal(start.AddHours(1), await host.Store.NextDueAsync(["sleeper"], Ct));

        host.Time.Advance(TimeSpan.FromMinutes(1));
        await host.DrainAsync(Sleeper(runs, TimeSpan.FromHours(1)));

        var done = await host.TaskAsync(parked.Id);
        Assert.Equal(AgentTaskStatus.Succeeded, done.Status);
        Assert.Equal("rested", done.Output);
        Assert.Equal((1, 1), (runs["before"], runs["after"]));
    }

    [Fact]
    public async Task A_drain_waits_for_a_timer_due_within_its_horizon_and_runs_the_task_only_then()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var agent = Sleeper(runs, TimeSpan.FromSeconds(30));
        var parked = await host.Runtime.RunAsync(agent, "nap", host.CustomerId, cancellationToken: Ct);
        var wake = parked.WakeAt!.Value;

        var drain = host.DrainAsync(agent);
        for (var step = 0; !drain.IsCompleted && step < 100_000; step++)
        {
            Assert.True(host.Time.GetUtcNow() >= wake || runs["after"] == 0, "the task ran before its timer");
            host.Time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        Assert.Equal(1, await drain);
        Assert.Equal(AgentTaskStatus.Succeeded, (await host.TaskAsync(parked.Id)).Status);
        Assert.Equal(1, runs["after"]);
    }

    [Fact]
    public async Task A_drain_leaves_a_timer_beyond_its_horizon_to_a_worker()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var agent = Sleeper(runs, TimeSpan.FromHours(1));
        var parked = await host.Runtime.RunAsync(agent, "nap", host.CustomerId, cancellationToken: Ct);

        Assert.Equal(0, await host.DrainAsync(agent));

        Assert.Equal(AgentTaskStatus.Waiting, (await host.TaskAsync(parked.Id)).Status);
        Assert.Equal(0, runs["after"]);
    }

    [Fact]
    public async Task A_task_resumed_early_sleeps_until_the_journaled_wake_time_not_a_new_delay()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var agent = Sleeper(runs, TimeSpan.FromHours(1));
        var parked = await host.Runtime.RunAsync(agent, "nap", host.CustomerId, cancellationToken: Ct);

        host.Time.Advance(TimeSpan.FromMinutes(30));
        var again = await host.Runtime.ExecuteAsync(parked, agent, host.Runtime.InlineWorker, cancellationToken: Ct);

        Assert.Equal(AgentTaskStatus.Waiting, again.Status);
        Assert.Equal(parked.WakeAt, again.WakeAt);
        Assert.Equal(0, runs["after"]);
    }

    [Fact]
    public async Task A_timer_already_past_on_resume_does_not_park_again()
    {
        await using var host = await DurableHost.StartAsync();
        var runs = new ExecutionCounter();
        var agent = Sleeper(runs, TimeSpan.FromMinutes(10));
        var parked = await host.Runtime.RunAsync(agent, "nap", host.CustomerId, cancellationToken: Ct);

        host.Time.Advance(TimeSpan.FromDays(2)); // the workers were down for two days
        await host.DrainAsync(agent);

        Assert.Equal(AgentTaskStatus.Succeeded, (await host.TaskAsync(parked.Id)).Status);
        Assert.Equal(3, (await host.Store.GetStepsAsync(parked.Id, Ct)).Count);
    }
}
