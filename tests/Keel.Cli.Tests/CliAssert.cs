using Xunit;

namespace Keel.Cli.Tests;

internal static class CliAssert
{
    /// <summary>
    /// The command failed the way a user can act on: a non-zero exit, one line on standard error that contains
    /// <paramref name="expected"/>, no stack trace, and nothing on standard output.
    /// </summary>
    public static void FailsWithOneLine(CliResult result, string expected)
    {
        Assert.True(result.ExitCode != 0, $"Expected a non-zero exit.\n{result}");
        NoStackTrace(result);
        var message = result.Stderr.Trim();
        Assert.DoesNotContain('\n', message);
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.Equal("", result.Stdout);
    }

    /// <summary>A command line the parser rejects: non-zero exit, the parser's message on standard error, no stack trace.</summary>
    public static void RejectedByParser(CliResult result, string expected)
    {
        Assert.True(result.ExitCode != 0, $"Expected a non-zero exit.\n{result}");
        NoStackTrace(result);
        Assert.Contains(expected, result.Stderr, StringComparison.Ordinal);
    }

    public static void NoStackTrace(CliResult result)
    {
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
    }
}
