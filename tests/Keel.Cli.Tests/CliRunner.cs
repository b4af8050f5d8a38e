using Keel.Cli;
using Xunit;

namespace Keel.Cli.Tests;

/// <summary>What one run of the CLI left behind.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>Runs a `keel` command in-process, as a piped (non-interactive) terminal would see it.</summary>
internal static class CliRunner
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exitCode = await KeelCommand.InvokeAsync(args, new CliConsole(stdout, stderr, interactive: false), TestContext.Current.CancellationToken);
        return new CliResult(exitCode, stdout.ToString(), stderr.ToString());
    }
}
