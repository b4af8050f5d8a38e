using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Keel.EndToEnd;
using Microsoft.Playwright;
using Xunit;

namespace Keel.Browser.Tests;

/// <summary>
/// What every browser test runs against, set up once for the assembly: a database filled by
/// `keel demo --tasks 30 --human-approvals` (tasks that succeed, one that fails on the payment provider's
/// PP-4012 decline, refunds that wait for a person), a real `keel serve --insecure-local` on it in a child
/// process on a loopback port it chose itself, and headless Chromium.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    public const int DemoTasks = 30;

    private static readonly TimeSpan DemoTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _temp = new();
    private ChildProcess? _server;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public string DbPath => _temp.File("keel.db");

    /// <summary>
    /// A copy of the demo's database taken before any server opened it, so no admin token has been issued on it yet:
    /// the first `keel serve` on it prints one.
    /// </summary>
    public string SignInDbPath => _temp.File("sign-in.db");

    /// <summary>http://127.0.0.1:PORT of `keel serve`.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>`keel demo --json`'s summary: how many tasks succeeded, failed, wait for a decision.</summary>
    public JsonNode Demo { get; private set; } = new JsonObject();

    public ChildProcess Server => _server ?? throw new InvalidOperationException("keel serve has not started.");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium has not started.");

    public async ValueTask InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(DashboardPage.TimeoutMs);
        try
        {
            // The browser first: without it nothing below is worth starting.
            _playwright = await Playwright.CreateAsync();
            _browser = await Chromium.LaunchAsync(_playwright);

            var filled = await KeelProgram.RunAsync(DemoTimeout, "demo", "--db", DbPath, "--tasks", DemoTasks.ToString(CultureInfo.InvariantCulture), "--human-approvals", "--json");
            Assert.True(filled.ExitCode == 0, filled.ToString());
            Demo = filled.Json();
            CopyDatabase(DbPath, SignInDbPath);
            Assert.True(Demo.Count("failed") > 0 && Demo.Count("waiting") > 0,
                $"keel demo left no failed task or none waiting for a decision, which the browser tests need.\n{filled}");

            _server = KeelProgram.Start("serve", "--db", DbPath, "--urls", "http://127.0.0.1:0", "--insecure-local");
            BaseUrl = (await _server.WaitForLineAsync(ServeOutput.Listening(), onStdout: false, StartTimeout)).Groups[1].Value;
            using var http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
            using var health = await http.GetAsync(new Uri("/healthz", UriKind.Relative), TestContext.Current.CancellationToken);
            Assert.True(health.StatusCode == HttpStatusCode.OK, $"GET /healthz answered {(int)health.StatusCode}.\n{_server.Describe()}");
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>A fresh browser context (own storage, cookies) with one page whose relative URLs go to the server.</summary>
    public Task<DashboardPage> OpenAsync(string path) => DashboardPage.OpenAsync(Browser, BaseUrl, path);

    /// <summary>Runs `keel ARGS --db DB` on the database the server serves: the tests' oracle, independent of the dashboard.</summary>
    public async Task<ProcessResult> KeelAsync(params string[] arguments)
    {
        var result = await KeelProgram.RunAsync(StartTimeout, [.. arguments, "--db", DbPath]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    /// <summary>`keel tasks --json` with a filter: what the database holds, newest first.</summary>
    public async Task<List<JsonNode>> TasksAsync(params string[] filter)
    {
        var listed = await KeelAsync(["tasks", "--limit", "1000", "--json", .. filter]);
        return [.. listed.Json().AsArray().Select(t => t!)];
    }

    /// <summary>`keel trace ID --json [ARGS]`: a task, or with `--step N [--context]` one of its steps.</summary>
    public async Task<JsonNode> TraceAsync(string taskId, params string[] arguments) =>
        (await KeelAsync(["trace", taskId, "--json", .. arguments])).Json();

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _temp.Dispose();
    }

    private static void CopyDatabase(string from, string to)
    {
        foreach (var suffix in new[] { "", "-wal" })
        {
            if (File.Exists(from + suffix))
            {
                File.Copy(from + suffix, to + suffix);
            }
        }
    }
}
