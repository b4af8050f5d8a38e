using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace Keel.MockUpstream.Tests;

/// <summary>The mock run as benchmarks and out-of-process tests run it: <c>dotnet Keel.MockUpstream.dll --port 0</c>.</summary>
public sealed partial class ProgramProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [GeneratedRegex(@"^mock-upstream listening on http://127\.0\.0\.1:(\d+)$")]
    private static partial Regex ListeningLine();

    /// <summary>Copied next to the test assembly, with its runtimeconfig.json, because this project references it.</summary>
    private static string MockDll()
    {
        var path = typeof(MockUpstreamServer).Assembly.Location;
        Assert.True(File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")), $"{path} has no runtimeconfig.json next to it.");
        return path;
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    [Fact]
    public async Task The_program_prints_its_listening_line_serves_and_stops_on_SIGTERM()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { MockDll(), "--port", "0" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);

            var match = ListeningLine().Match(line ?? "");
            Assert.True(match.Success, $"unexpected first line: '{line}'");
            var port = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.NotEqual(0, port);

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
            using var models = await http.GetAsync("v1/models", timeout.Token);
            Assert.True(models.IsSuccessStatusCode);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(timeout.Token);
            }

            await process.WaitForExitAsync(timeout.Token);
            var rest = await process.StandardOutput.ReadToEndAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.Equal("", rest);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
