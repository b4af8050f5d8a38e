using Xunit;

namespace Keel.Cli.Tests;

/// <summary>`keel tasks` without --json: a table a person reads.</summary>
public sealed class TasksTableTests(DemoDatabase demo)
{
    [Fact]
    public async Task Table_lists_the_filtered_tasks_and_their_count()
    {
        var failed = demo.WithStatus("failed").Select(t => t.Str("id")).ToList();

        var result = await CliRunner.RunAsync("tasks", "--db", demo.Path, "--status", "failed");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.All(failed, id => Assert.Contains(id, result.Stdout, StringComparison.Ordinal));
        Assert.Contains($"{failed.Count} task(s).", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("succeeded", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("", result.Stderr);
    }
}
