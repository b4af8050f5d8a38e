using Xunit;

namespace Keel.Cli.Tests;

/// <summary>Command lines the parser rejects fail with the parser's message, never an exception.</summary>
public sealed class ArgumentErrorTests
{
    [Theory]
    [InlineData("demo", "--tasks", "0")]
    [InlineData("demo", "--tasks", "-3")]
    public async Task Demo_with_too_few_tasks_names_the_option(params string[] args)
    {
        var result = await CliRunner.RunAsync(args);

        CliAssert.RejectedByParser(result, "--tasks must be at least 1.");
        Assert.Equal("--tasks must be at least 1.", result.Stderr.Trim());
    }

    [Fact]
    public async Task Demo_with_no_concurrency_names_the_option()
    {
        var result = await CliRunner.RunAsync("demo", "--concurrency", "0");

        CliAssert.RejectedByParser(result, "--concurrency must be at least 1.");
    }

    [Fact]
    public async Task Tasks_with_a_zero_limit_names_the_option()
    {
        var result = await CliRunner.RunAsync("tasks", "--limit", "0");

        CliAssert.RejectedByParser(result, "--limit must be at least 1.");
    }

    // Regression: the range validators used to read the value before System.CommandLine had converted it, so a
    // non-number threw InvalidOperationException out of the parser (a crash with a stack trace, exit 134).
    [Theory]
    [InlineData("--tasks", "abc", "demo")]
    [InlineData("--tasks", "1.5", "demo")]
    [InlineData("--concurrency", "many", "demo")]
    [InlineData("--limit", "ten", "tasks")]
    public async Task A_non_number_is_a_parse_error(string option, string value, string command)
    {
        var result = await CliRunner.RunAsync(command, option, value);

        CliAssert.RejectedByParser(result, $"Cannot parse argument '{value}' for option '{option}'");
        Assert.DoesNotContain("must be at least", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_status_is_a_parse_error()
    {
        var result = await CliRunner.RunAsync("tasks", "--status", "bogus");

        CliAssert.RejectedByParser(result, "Cannot parse argument 'bogus' for option '--status'");
    }

    [Fact]
    public async Task An_unknown_subcommand_is_named()
    {
        var result = await CliRunner.RunAsync("frobnicate");

        CliAssert.RejectedByParser(result, "Unrecognized command or argument 'frobnicate'");
    }

    [Fact]
    public async Task An_unknown_option_is_named()
    {
        var result = await CliRunner.RunAsync("tasks", "--colour", "red");

        CliAssert.RejectedByParser(result, "Unrecognized command or argument '--colour'");
    }

    [Fact]
    public async Task Trace_without_a_task_id_says_it_is_missing()
    {
        var result = await CliRunner.RunAsync("trace");

        CliAssert.RejectedByParser(result, "Required argument missing");
    }
}
