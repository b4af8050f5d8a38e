using Keel.Oversight;
using Xunit;

namespace Keel.Cli.Tests;

/// <summary>`keel oversight rate|record` and `keel outcome`: human time priced into a task's cost, and outcomes.</summary>
public sealed class OversightCommandTests
{
    [Fact]
    public async Task Ten_minutes_at_ninety_an_hour_add_fifteen_dollars_to_the_task_and_to_costs_by_task()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");
        var taskId = await SeededDatabase.TaskAsync(db);

        var rate = await CliRunner.RunAsync("oversight", "rate", "--customer", "acme", "--usd-per-hour", "90", "--db", db);
        var record = await CliRunner.RunAsync("oversight", "record", "--task", taskId, "--who", "ann", "--seconds", "600", "--kind", "approval", "--decision", "approved", "--db", db);
        var tasks = await CliRunner.RunAsync("tasks", "--json", "--db", db);
        var costs = await CliRunner.RunAsync("costs", "--by", "task", "--json", "--db", db);

        Assert.True(rate.ExitCode == 0, rate.ToString());
        Assert.True(record.ExitCode == 0, record.ToString());
        Assert.Contains($"600 s of human time on {taskId} recorded", record.Stderr, StringComparison.Ordinal);
        var task = Assert.Single(Json.ParseArray(tasks.Stdout));
        Assert.Equal(15m, task.Dec("cost_usd"));
        Assert.Equal(1, task.Int("steps"));
        var report = Json.ParseSingle(costs.Stdout);
        Assert.Equal("task", report.Str("grouped_by"));
        var row = Assert.Single(report.GetProperty("rows").EnumerateArray());
        Assert.Equal(taskId, row.Str("key"));
        Assert.Equal(15m, row.Dec("human_usd"));
        Assert.Equal(600, row.GetProperty("human_seconds").GetDouble());
        Assert.Equal(0m, row.Dec("model_usd"));
        Assert.Equal(15m, row.Dec("total_usd"));
        Assert.Equal(15m, report.GetProperty("total").Dec("human_usd"));
        var intervention = Assert.Single(await SeededDatabase.WithStoreAsync(db, s => s.GetInterventionsAsync(taskId, TestContext.Current.CancellationToken).AsTask()));
        Assert.Equal(("ann", InterventionKind.Approval, "approved"), (intervention.Actor, intervention.Kind, intervention.Decision));
    }

    [Fact]
    public async Task Two_records_on_one_task_add_up_and_take_the_next_steps()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");
        var taskId = await SeededDatabase.TaskAsync(db);
        await CliRunner.RunAsync("oversight", "rate", "--customer", "acme", "--usd-per-hour", "90", "--db", db);

        await CliRunner.RunAsync("oversight", "record", "--task", taskId, "--who", "ann", "--seconds", "600", "--db", db);
        await CliRunner.RunAsync("oversight", "record", "--task", taskId[..12], "--who", "bob", "--start", "2026-06-01T10:00:00Z", "--end", "2026-06-01T10:02:00Z", "--db", db);

        var task = Assert.Single(Json.ParseArray((await CliRunner.RunAsync("tasks", "--json", "--db", db)).Stdout));
        Assert.Equal(18m, task.Dec("cost_usd")); // 600 s + 120 s at $90/h
        Assert.Equal(2, task.Int("steps"));
    }

    [Fact]
    public async Task Outcomes_are_recorded_and_costs_divide_by_successes()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");
        var won = await SeededDatabase.TaskAsync(db);
        var lost = await SeededDatabase.TaskAsync(db);
        await CliRunner.RunAsync("oversight", "rate", "--customer", "acme", "--usd-per-hour", "90", "--db", db);
        await CliRunner.RunAsync("oversight", "record", "--task", won, "--who", "ann", "--seconds", "600", "--db", db);
        await CliRunner.RunAsync("oversight", "record", "--task", lost, "--who", "ann", "--seconds", "600", "--db", db);

        var success = await CliRunner.RunAsync("outcome", won, "success", "--value", "12.5", "--db", db);
        var failure = await CliRunner.RunAsync("outcome", lost, "failure", "--db", db);
        var unknown = await CliRunner.RunAsync("outcome", "task-nobody", "success", "--db", db);
        var costs = Json.ParseSingle((await CliRunner.RunAsync("costs", "--by", "all", "--json", "--db", db)).Stdout);

        Assert.True(success.ExitCode == 0, success.ToString());
        Assert.True(failure.ExitCode == 0, failure.ToString());
        Assert.Contains($"{lost}: failure", failure.Stderr, StringComparison.Ordinal);
        CliAssert.FailsWithOneLine(unknown, "no task 'task-nobody'");
        var (wonTask, lostTask) = await SeededDatabase.WithStoreAsync(db, async s =>
            ((await s.GetTaskSummaryAsync(won, TestContext.Current.CancellationToken))!.Task, (await s.GetTaskSummaryAsync(lost, TestContext.Current.CancellationToken))!.Task));
        Assert.Equal((TaskOutcome.Success, 12.5m), (wonTask.Outcome, wonTask.OutcomeValue));
        Assert.Equal((TaskOutcome.Failure, (decimal?)null), (lostTask.Outcome, lostTask.OutcomeValue));
        var total = costs.GetProperty("total");
        Assert.Equal(1, total.Int("successful_outcomes"));
        Assert.Equal(30m, total.Dec("cost_per_successful_outcome_usd")); // both tasks' $15, over one success
    }

    [Fact]
    public async Task Recording_on_a_task_that_does_not_exist_fails_with_one_line()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");
        await SeededDatabase.TaskAsync(db);

        var result = await CliRunner.RunAsync("oversight", "record", "--task", "task-nobody", "--who", "ann", "--seconds", "60", "--db", db);

        CliAssert.FailsWithOneLine(result, "No task 'task-nobody'");
    }

    [Fact]
    public async Task Recording_time_on_a_task_the_runtime_will_resume_is_refused_and_takes_no_step()
    {
        using var temp = new TempDirectory();
        var db = temp.File("keel.db");
        var taskId = await SeededDatabase.TaskAsync(db, status: Keel.Tasks.AgentTaskStatus.Waiting);

        var record = await CliRunner.RunAsync("oversight", "record", "--task", taskId, "--who", "ann", "--seconds", "600", "--db", db);

        Assert.Equal(1, record.ExitCode);
        Assert.Contains("under the durable runtime", record.Stderr, StringComparison.Ordinal);
        Assert.Empty(await SeededDatabase.WithStoreAsync(db, s => s.GetStepsAsync(taskId, TestContext.Current.CancellationToken).AsTask()));
    }
}
