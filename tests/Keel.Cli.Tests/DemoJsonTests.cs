using Xunit;

namespace Keel.Cli.Tests;

/// <summary>`keel demo --json` prints one summary object, and only that, on standard output.</summary>
public sealed class DemoJsonTests
{
    private static readonly string[] SummaryKeys =
    [
        "tasks", "succeeded", "failed", "steps", "model_calls", "retries", "fallbacks", "cost_usd", "db",
        "input_tokens", "output_tokens", "p50_duration_ms", "p95_duration_ms",
    ];

    [Fact]
    public async Task Demo_json_prints_a_summary_of_the_requested_tasks()
    {
        using var temp = new TempDirectory();
        var db = temp.File("demo.db");

        var result = await CliRunner.RunAsync("demo", "--json", "--tasks", "12", "--seed", "7", "--db", db);

        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = Json.ParseSingle(result.Stdout);
        Assert.Equal(System.Text.Json.JsonValueKind.Object, summary.ValueKind);
        Assert.All(SummaryKeys, key => Assert.True(summary.Has(key), $"missing key {key} in {result.Stdout}"));
        Assert.Equal(12, summary.Int("tasks"));
        Assert.Equal(12, summary.Int("succeeded") + summary.Int("failed"));
        Assert.True(summary.Int("model_calls") > 0);
        Assert.True(summary.Int("steps") >= summary.Int("model_calls"));
        Assert.True(summary.Long("input_tokens") > 0);
        Assert.True(summary.Long("output_tokens") > 0);
        Assert.True(summary.Dec("cost_usd") > 0);
        Assert.True(summary.GetProperty("p95_duration_ms").GetDouble() >= summary.GetProperty("p50_duration_ms").GetDouble());
        Assert.Equal(db, summary.Str("db"));
        Assert.True(File.Exists(db));
    }

    [Fact]
    public async Task Demo_json_keeps_progress_off_standard_output()
    {
        using var temp = new TempDirectory();

        var result = await CliRunner.RunAsync("demo", "--json", "--tasks", "3", "--db", temp.File("demo.db"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("{", result.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("}", result.Stdout.TrimEnd(), StringComparison.Ordinal);
        Assert.DoesNotContain("demo:", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("demo: 3/3 tasks done", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_json_reports_the_database_as_a_full_path()
    {
        using var temp = new TempDirectory();
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, temp.File("relative.db"));
        Assert.False(Path.IsPathRooted(relative));

        var result = await CliRunner.RunAsync("demo", "--json", "--tasks", "1", "--db", relative);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(temp.File("relative.db"), Json.ParseSingle(result.Stdout).Str("db"));
    }

    [Fact]
    public async Task Demo_without_json_prints_a_summary_table()
    {
        using var temp = new TempDirectory();
        var db = temp.File("demo.db");

        var result = await CliRunner.RunAsync("demo", "--tasks", "2", "--db", db);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Model calls", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Total cost", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(db, result.Stdout, StringComparison.Ordinal);
        Assert.Contains($"keel tasks --db {db}", result.Stdout, StringComparison.Ordinal);
    }
}
