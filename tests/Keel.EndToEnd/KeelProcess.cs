namespace Keel.EndToEnd;

/// <summary>Runs the built `keel` CLI as a user does: `dotnet keel.dll ARGS` (or `$KEEL_BIN ARGS`) in a child process.</summary>
internal static class KeelProcess
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static ChildProcess Start(params string[] arguments) =>
        ChildProcess.Start(Programs.KeelFileName, Programs.KeelArguments(arguments));

    public static async Task<ProcessResult> RunAsync(params string[] arguments)
    {
        await using var process = Start(arguments);
        var exitCode = await process.WaitForExitAsync(Timeout);
        return new ProcessResult(exitCode, process.Stdout, process.Stderr, process.Describe());
    }
}
