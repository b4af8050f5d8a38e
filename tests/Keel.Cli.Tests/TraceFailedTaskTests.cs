using Xunit;

namespace Keel.Cli.Tests;

/// <summary>`keel trace` of a task that failed (the support agent's refund was declined) shows where and why.</summary>
public sealed class TraceFailedTaskTests(DemoDatabase demo)
{
    private string FailedTaskId => demo.WithStatus("failed").First().Str("id");

    [Fact]
    public async Task Json_trace_ends_with_the_failed_step_and_its_error()
    {
        var result = await CliRunner.RunAsync("trace", FailedTaskId, "--db", demo.Path, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var trace = Json.ParseSingle(result.Stdout);
        var task = trace.GetProperty("task");
        Assert.Equal("failed", task.Str("status"));
        var steps = trace.GetProperty("steps").EnumerateArray().ToList();
        var last = steps[^1];
        Assert.Equal("failed", last.Str("status"));
        Assert.False(string.IsNullOrWhiteSpace(last.Str("error")));
        Assert.Equal(task.Str("error"), last.Str("error"));
        Assert.All(steps[..^1], s => Assert.Equal("succeeded", s.Str("status")));
        Assert.Equal("error", Assert.Single(trace.GetProperty("spans").EnumerateArray(), s => !s.Has("parent_span_id")).Str("status"));
    }

    [Fact]
    public async Task Human_trace_names_the_steps_and_marks_the_failed_one()
    {
        var json = Json.ParseSingle((await CliRunner.RunAsync("trace", FailedTaskId, "--db", demo.Path, "--json")).Stdout);
        var steps = json.GetProperty("steps").EnumerateArray().ToList();
        var error = json.GetProperty("task").Str("error");

        var result = await CliRunner.RunAsync("trace", FailedTaskId, "--db", demo.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(FailedTaskId, result.Stdout, StringComparison.Ordinal);
        Assert.All(steps, s => Assert.Contains(s.Str("name"), result.Stdout, StringComparison.Ordinal));
        var failedLine = Assert.Single(result.Stdout.Split('\n'), line => line.Contains($"#{steps[^1].Int("seq")} ", StringComparison.Ordinal));
        Assert.Contains(steps[^1].Str("name"), failedLine, StringComparison.Ordinal);
        Assert.Contains("✗", failedLine, StringComparison.Ordinal);
        Assert.Contains($"Task failed: {error}", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("", result.Stderr);
    }
}
