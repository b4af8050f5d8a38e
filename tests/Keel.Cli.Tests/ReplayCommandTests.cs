using System.Text.Json;
using Keel.Forks;
using Keel.Journal;
using Keel.Tasks;
using Xunit;

namespace Keel.Cli.Tests;

/// <summary>
/// `keel replay TASK_ID --from-step N`: end to end over a database the demo filled. A fork reuses the recorded
/// steps before N (unpaid), runs the rest live on the demo's agents, and is linked to the task it came from.
/// </summary>
public sealed class ReplayCommandTests(ReplayCommandTests.Database demo) : IClassFixture<ReplayCommandTests.Database>
{
    [Fact]
    public async Task Replay_reuses_the_steps_before_N_and_runs_the_rest_live()
    {
        var sourceUsage = await demo.UsageAsync(demo.SourceId);

        var result = await CliRunner.RunAsync("replay", demo.SourceId, "--from-step", "3", "--json", "--db", demo.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = Json.ParseSingle(result.Stdout);
        Assert.Equal((demo.SourceId, 3, 2), (report.Str("forked_from"), report.Int("forked_at_step"), report.Int("reused_steps")));
        Assert.Equal("succeeded", report.Str("status"));
        Assert.True(report.Int("live_model_calls") >= 1, result.ToString());
        Assert.False(report.Has("edited_step"));
        var forkId = report.Str("id");

        var (fork, source, forkSteps, forkUsage) = await demo.ReadAsync(async store => (
            (await store.FindTaskAsync(forkId, Token))!,
            await store.GetStepsAsync(demo.SourceId, Token),
            await store.GetStepsAsync(forkId, Token),
            await store.GetUsageAsync(forkId, Token)));
        Assert.Equal((demo.SourceId, (int?)3), (fork.ForkedFrom, fork.ForkedAtStep));
        Assert.Equal(source.Take(2).Select(s => (s.Kind, s.Name, s.Result)), forkSteps.Take(2).Select(s => (s.Kind, s.Name, s.Result)));
        Assert.True(forkSteps.Count > 2);
        Assert.NotEmpty(forkUsage);
        Assert.All(forkUsage, u => Assert.True(u.StepSeq >= 3, $"usage of reused step {u.StepSeq}"));
        Assert.Equal(forkUsage.Sum(u => u.CostUsd), report.Dec("cost_usd"));
        Assert.Equal(sourceUsage.Count, (await demo.UsageAsync(demo.SourceId)).Count); // the original is untouched
    }

    [Fact]
    public async Task Set_model_runs_the_live_model_steps_on_the_other_alias()
    {
        var result = await CliRunner.RunAsync("replay", demo.SourceId, "--from-step", "3", "--set-model", "sim-large", "--json", "--db", demo.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = Json.ParseSingle(result.Stdout);
        Assert.Equal("sim-large", report.Str("model_override"));
        var steps = await demo.ReadAsync(store => store.GetStepsAsync(report.Str("id"), Token).AsTask());
        var models = steps.Where(s => s.Kind == StepKind.Model).ToList();
        Assert.Equal("sim-default", models[0].Name); // step 1, reused
        Assert.All(models.Where(s => s.Seq >= 3), s => Assert.Equal("sim-large", s.Name));
        var usage = await demo.UsageAsync(report.Str("id"));
        Assert.All(usage.Where(u => u.Kind == Usage.UsageKind.Model), u => Assert.Equal("sim-large", u.Deployment));
    }

    [Fact]
    public async Task An_edited_tool_result_is_in_the_context_the_next_model_call_is_sent()
    {
        const string edited = """{"error":"order not found (edited for the replay)"}""";

        var result = await CliRunner.RunAsync("replay", demo.SourceId, "--from-step", "3", "--edit-message", edited, "--json", "--db", demo.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = Json.ParseSingle(result.Stdout);
        Assert.Equal(2, report.Int("edited_step"));
        var forkId = report.Str("id");
        var (steps, spans) = await demo.ReadAsync(async store => (await store.GetStepsAsync(forkId, Token), await store.GetSpansAsync(forkId, Token)));
        Assert.Equal((StepKind.Tool, edited), (steps[1].Kind, steps[1].Result));
        var nextCall = spans.First(s => s.StepSeq == 3 && s.SnapshotId is not null);
        var context = await demo.ReadAsync(store => store.GetSnapshotAsync(nextCall.SnapshotId!, Token).AsTask());
        Assert.Contains(context!, m => m.Contains("order not found (edited for the replay)", StringComparison.Ordinal));
        Assert.Equal(true, spans.Single(s => s.StepSeq == 2).Attributes[TaskForks.EditedAttribute]);
    }

    [Fact]
    public async Task No_run_leaves_the_fork_queued_with_only_the_reused_steps()
    {
        var result = await CliRunner.RunAsync("replay", demo.SourceId[..^4], "--from-step", "4", "--no-run", "--db", demo.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(demo.SourceId + " at step 4", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("pending", result.Stdout, StringComparison.Ordinal);
        var forkId = System.Text.RegularExpressions.Regex.Match(result.Stdout, @"Task\s+│\s+(task_[0-9a-f]+)").Groups[1].Value;
        var (fork, steps) = await demo.ReadAsync(async store => ((await store.FindTaskAsync(forkId, Token))!, await store.GetStepsAsync(forkId, Token)));
        Assert.Equal((AgentTaskStatus.Pending, demo.SourceId), (fork.Status, fork.ForkedFrom));
        Assert.Equal([1, 2, 3], steps.Select(s => s.Seq));
    }

    [Theory]
    [InlineData("--from-step", "99", "so a fork starts at a step from 1 to")]
    [InlineData("--set-model", "gpt-nope", "The model 'gpt-nope' does not exist. Known models: sim-default, sim-large.")]
    [InlineData("--edit-message", "x", "fork from step 2 or later")]
    public async Task An_impossible_replay_fails_with_one_line_and_creates_no_task(string option, string value, string expected)
    {
        var before = await demo.TaskCountAsync();
        string[] args = option == "--from-step"
            ? ["replay", demo.SourceId, "--from-step", value, "--db", demo.Path]
            : ["replay", demo.SourceId, "--from-step", "1", option, value, "--db", demo.Path];

        var result = await CliRunner.RunAsync(args);

        CliAssert.FailsWithOneLine(result, expected);
        Assert.Equal(before, await demo.TaskCountAsync());
    }

    [Fact]
    public async Task Replaying_a_task_that_does_not_exist_fails_with_one_line()
    {
        var result = await CliRunner.RunAsync("replay", "task_nobody", "--from-step", "1", "--db", demo.Path);

        CliAssert.FailsWithOneLine(result, "No task 'task_nobody'.");
    }

    [Fact]
    public async Task A_step_below_one_is_refused_by_the_parser()
    {
        var result = await CliRunner.RunAsync("replay", demo.SourceId, "--from-step", "0", "--db", demo.Path);

        CliAssert.RejectedByParser(result, "--from-step must be at least 1.");
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A demo run of its own (forks add tasks, which the shared demo database must not see), and a support task of it to fork.</summary>
    public sealed class Database : IAsyncLifetime
    {
        private readonly TempDirectory _directory = new();

        public string Path => _directory.File("replay.db");

        /// <summary>A support task that succeeded: model, lookup_order tool, model, ... (at least four steps).</summary>
        public string SourceId { get; private set; } = "";

        public async ValueTask InitializeAsync()
        {
            var demo = await CliRunner.RunAsync("demo", "--tasks", "4", "--json", "--db", Path);
            Assert.True(demo.ExitCode == 0, demo.ToString());
            var tasks = Json.ParseArray((await CliRunner.RunAsync("tasks", "--agent", "support", "--status", "succeeded", "--json", "--db", Path)).Stdout);
            SourceId = tasks.Where(t => t.Int("steps") >= 4).Select(t => t.Str("id")).FirstOrDefault()
                ?? throw new InvalidOperationException($"The demo ran no support task of four steps or more that succeeded: {JsonSerializer.Serialize(tasks)}");
        }

        public Task<T> ReadAsync<T>(Func<Storage.Sqlite.SqliteKeelStore, Task<T>> read) => SeededDatabase.WithStoreAsync(Path, read);

        public Task<IReadOnlyList<Usage.UsageEvent>> UsageAsync(string taskId) => ReadAsync(store => store.GetUsageAsync(taskId, Token).AsTask());

        public Task<int> TaskCountAsync() => ReadAsync(async store => (await store.ListTasksAsync(new TaskQuery { Limit = 10_000 }, Token)).Count);

        public ValueTask DisposeAsync()
        {
            _directory.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
