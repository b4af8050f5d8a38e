using Xunit;

namespace Keel.Cli.Tests;

/// <summary>`keel trace` accepts a prefix of a task id when it names one task only.</summary>
public sealed class TraceIdPrefixTests(DemoDatabase demo)
{
    /// <summary>The shortest prefix of <paramref name="id"/> that no other task's id starts with.</summary>
    private string ShortestUniquePrefix(string id)
    {
        var others = demo.Tasks.Select(t => t.Str("id")).Where(other => other != id).ToList();
        for (var length = 1; length < id.Length; length++)
        {
            var prefix = id[..length];
            if (!others.Exists(other => other.StartsWith(prefix, StringComparison.Ordinal)))
            {
                return prefix;
            }
        }

        return id;
    }

    [Fact]
    public async Task A_unique_prefix_finds_the_task()
    {
        var id = demo.Tasks[^1].Str("id");
        var prefix = ShortestUniquePrefix(id);
        Assert.True(prefix.Length < id.Length);

        var result = await CliRunner.RunAsync("trace", prefix, "--db", demo.Path, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(id, Json.ParseSingle(result.Stdout).GetProperty("task").Str("id"));
    }

    [Fact]
    public async Task An_ambiguous_prefix_is_refused()
    {
        var id = demo.Tasks[^1].Str("id");
        var ambiguous = ShortestUniquePrefix(id)[..^1];

        var result = await CliRunner.RunAsync("trace", ambiguous, "--db", demo.Path, "--json");

        CliAssert.FailsWithOneLine(result, "matches more than one task");
    }
}
