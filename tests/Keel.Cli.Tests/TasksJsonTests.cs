using System.Text.Json;
using Xunit;

namespace Keel.Cli.Tests;

/// <summary>`keel tasks --json`: the stored tasks, filtered and limited as asked.</summary>
public sealed class TasksJsonTests(DemoDatabase demo)
{
    private static readonly string[] RowKeys =
        ["id", "status", "agent", "customer_id", "steps", "model_calls", "retries", "fallbacks", "cost_usd", "created_at"];

    private async Task<IReadOnlyList<JsonElement>> TasksAsync(params string[] options)
    {
        var result = await CliRunner.RunAsync(["tasks", "--db", demo.Path, "--json", .. options]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        return Json.ParseArray(result.Stdout);
    }

    [Fact]
    public async Task Lists_every_task_of_the_demo_with_its_fields()
    {
        var tasks = await TasksAsync();

        Assert.Equal(DemoDatabase.TaskCount, tasks.Count);
        Assert.All(tasks, t => Assert.All(RowKeys, key => Assert.True(t.Has(key), $"missing {key} in {t}")));
        Assert.All(tasks, t => Assert.StartsWith("task_", t.Str("id"), StringComparison.Ordinal));
        Assert.All(tasks, t => Assert.Contains(t.Str("status"), (string[])["succeeded", "failed"]));
        Assert.All(tasks, t => Assert.Contains(t.Str("agent"), (string[])["support", "research"]));
        Assert.All(tasks, t => Assert.True(t.Int("steps") > 0));
        Assert.Equal(DemoDatabase.TaskCount, tasks.Select(t => t.Str("id")).Distinct().Count());
    }

    [Fact]
    public async Task Lists_newest_first()
    {
        var created = (await TasksAsync()).Select(t => t.GetProperty("created_at").GetDateTimeOffset()).ToList();

        Assert.Equal(created.OrderByDescending(c => c), created);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    public async Task Limit_caps_the_list_to_the_newest(int limit)
    {
        var all = await TasksAsync();

        var limited = await TasksAsync("--limit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(all.Take(limit).Select(t => t.Str("id")), limited.Select(t => t.Str("id")));
    }

    [Fact]
    public async Task Status_failed_lists_only_the_failed_tasks()
    {
        var failed = await TasksAsync("--status", "failed");

        Assert.NotEmpty(failed);
        Assert.All(failed, t => Assert.Equal("failed", t.Str("status")));
        Assert.All(failed, t => Assert.False(string.IsNullOrEmpty(t.Str("error"))));
        Assert.Equal(demo.Summary.Int("failed"), failed.Count);
    }

    [Fact]
    public async Task Status_succeeded_lists_only_the_succeeded_tasks()
    {
        var succeeded = await TasksAsync("--status", "succeeded");

        Assert.All(succeeded, t => Assert.Equal("succeeded", t.Str("status")));
        Assert.All(succeeded, t => Assert.False(t.Has("error")));
        Assert.Equal(demo.Summary.Int("succeeded"), succeeded.Count);
    }

    [Fact]
    public async Task Agent_research_lists_only_research_tasks()
    {
        var research = await TasksAsync("--agent", "research");

        Assert.NotEmpty(research);
        Assert.All(research, t => Assert.Equal("research", t.Str("agent")));
        Assert.Equal(demo.Tasks.Count(t => t.Str("agent") == "research"), research.Count);
    }

    [Fact]
    public async Task Filters_combine()
    {
        var failedSupport = await TasksAsync("--status", "failed", "--agent", "support", "--limit", "2");

        Assert.Equal(Math.Min(2, demo.Summary.Int("failed")), failedSupport.Count);
        Assert.All(failedSupport, t => Assert.Equal(("failed", "support"), (t.Str("status"), t.Str("agent"))));
    }

    [Fact]
    public async Task An_agent_with_no_tasks_gives_an_empty_array()
    {
        Assert.Empty(await TasksAsync("--agent", "no-such-agent"));
    }
}
