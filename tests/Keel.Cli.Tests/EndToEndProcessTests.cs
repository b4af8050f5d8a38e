using System.Diagnostics;
using Xunit;

namespace Keel.Cli.Tests;

/// <summary>The built CLI, started as a user starts it: `dotnet keel.dll demo ...` in a child process.</summary>
public sealed class EndToEndProcessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>keel.dll is copied next to the test assembly because the test project references the CLI project.</summary>
    private static string KeelDll()
    {
        var path = typeof(KeelCommand).Assembly.Location;
        Assert.Equal("keel.dll", Path.GetFileName(path));
        Assert.True(File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")), $"{path} has no runtimeconfig.json next to it.");
        return path;
    }

    /// <summary>The dotnet host running the tests (set by the dotnet CLI), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    [Fact]
    public async Task Demo_in_a_child_process_exits_zero_with_retries_and_fallbacks()
    {
        var db = _temp.File("e2e.db");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _temp.Path,
        };
        foreach (var arg in new[] { KeelDll(), "demo", "--tasks", "50", "--json", "--db", db })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("KEEL_DB");

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"keel demo did not finish within {Timeout.TotalSeconds} s.\n--- stderr\n{await stderr}");
        }

        var result = new CliResult(process.ExitCode, await stdout, await stderr);
        Assert.True(result.ExitCode == 0, result.ToString());
        var summary = Json.ParseSingle(result.Stdout);
        Assert.Equal(50, summary.Int("tasks"));
        Assert.True(summary.Int("retries") > 0, result.Stdout);
        Assert.True(summary.Int("fallbacks") > 0, result.Stdout);
        Assert.Equal(db, summary.Str("db"));
        Assert.Contains("demo: 50/50 tasks done", result.Stderr, StringComparison.Ordinal);

        // What the process stored is what the CLI then reads back.
        var tasks = await CliRunner.RunAsync("tasks", "--db", db, "--json");
        Assert.Equal(50, Json.ParseArray(tasks.Stdout).Count);
    }
}
