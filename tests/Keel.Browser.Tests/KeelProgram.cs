using Keel.EndToEnd;
using Xunit;

namespace Keel.Browser.Tests;

/// <summary>Runs the built `keel` CLI as a user does: `dotnet keel.dll ARGS` (or `$KEEL_BIN ARGS`) in a child process.</summary>
internal static class KeelProgram
{
    /// <summary>Copied next to the test assembly (with its runtimeconfig.json) because this project references the CLI.</summary>
    private static readonly string KeelDll = Path.Combine(AppContext.BaseDirectory, "keel.dll");

    /// <summary>The dotnet host running the tests (set by the dotnet CLI), else the one on PATH.</summary>
    private static readonly string DotnetHost =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>A keel binary to test instead of <c>dotnet keel.dll</c> (the native build, say), when set.</summary>
    private static readonly string? KeelBin =
        Environment.GetEnvironmentVariable("KEEL_BIN") is { Length: > 0 } bin ? Path.GetFullPath(bin) : null;

    public static ChildProcess Start(params string[] arguments)
    {
        if (KeelBin is not null)
        {
            return ChildProcess.Start(KeelBin, arguments);
        }

        Assert.True(File.Exists(KeelDll), $"{KeelDll} is missing: the test project references the project that builds it.");
        return ChildProcess.Start(DotnetHost, [KeelDll, .. arguments]);
    }

    public static async Task<ProcessResult> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        await using var process = Start(arguments);
        var exitCode = await process.WaitForExitAsync(timeout);
        return new ProcessResult(exitCode, process.Stdout, process.Stderr, process.Describe());
    }
}
