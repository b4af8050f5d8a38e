using Xunit;

namespace Keel.Cli.Tests;

/// <summary>`--help` succeeds and lists what there is to use.</summary>
public sealed class HelpTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Root_help_lists_the_subcommands(string flag)
    {
        var result = await CliRunner.RunAsync(flag);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Usage:", result.Stdout, StringComparison.Ordinal);
        Assert.All(["demo", "tasks", "trace"], command => Assert.Matches($@"(?m)^\s+{command}\s", result.Stdout));
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Demo_help_lists_its_options()
    {
        var result = await CliRunner.RunAsync("demo", "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.All(["--db", "--tasks", "--seed", "--concurrency", "--json", "--prices"],
            option => Assert.Contains(option, result.Stdout, StringComparison.Ordinal));
        Assert.Contains("demo [options]", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("", result.Stderr);
    }

    [Fact]
    public async Task Tasks_help_lists_its_options()
    {
        var result = await CliRunner.RunAsync("tasks", "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.All(["--db", "--status", "--agent", "--limit", "--json"],
            option => Assert.Contains(option, result.Stdout, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Trace_help_names_its_argument()
    {
        var result = await CliRunner.RunAsync("trace", "--help");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("TASK_ID", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--json", result.Stdout, StringComparison.Ordinal);
    }
}
