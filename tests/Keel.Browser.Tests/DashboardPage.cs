using Microsoft.Playwright;
using Xunit;

namespace Keel.Browser.Tests;

/// <summary>
/// One page of the dashboard in its own browser context. Collects the page's uncaught script errors and failed
/// API calls, so a test fails on a broken page even where the element it waits for happens to render.
/// </summary>
public sealed class DashboardPage : IAsyncDisposable
{
    /// <summary>Generous for a 2-core CI machine; expectations return as soon as they hold.</summary>
    public const float TimeoutMs = 15_000;

    private readonly IBrowserContext _context;
    private readonly List<string> _problems = [];

    private DashboardPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.PageError += (_, error) => Record($"uncaught script error: {error}");
        page.Response += (_, response) =>
        {
            if (response.Url.Contains("/api/", StringComparison.Ordinal) && response.Status >= 500)
            {
                Record($"{response.Request.Method} {response.Url} answered {response.Status}");
            }
        };
    }

    public IPage Page { get; }

    public static async Task<DashboardPage> OpenAsync(IBrowser browser, string baseUrl, string path, IReadOnlyDictionary<string, string>? headers = null)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = new ViewportSize { Width = 1366, Height = 900 },
            ExtraHTTPHeaders = headers,
        });
        context.SetDefaultTimeout(TimeoutMs);
        var page = new DashboardPage(context, await context.NewPageAsync());
        var response = await page.Page.GotoAsync(path);
        Assert.True(response is { Ok: true }, $"GET {path} answered {response?.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "nothing"}.");
        return page;
    }

    /// <summary>The element the UI marks with <c>data-testid="<paramref name="testId"/>"</c>.</summary>
    public ILocator ById(string testId) => Page.GetByTestId(testId);

    /// <summary>
    /// Saves a full-page screenshot as a test artifact (TestResults/screenshots/NAME.png next to the test assembly),
    /// prints its path and checks it is a non-empty PNG; also fails on any script error or failed API call so far.
    /// </summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(Screenshots.Directory, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        var file = new FileInfo(path);
        Assert.True(file.Exists && file.Length > 0, $"The screenshot {path} is missing or empty.");
        Screenshots.Report(path);
        AssertNoProblems();
        return path;
    }

    public void AssertNoProblems()
    {
        lock (_problems)
        {
            Assert.True(_problems.Count == 0, $"The page at {Page.Url} had problems:\n{string.Join('\n', _problems)}");
        }
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();

    private void Record(string problem)
    {
        lock (_problems)
        {
            _problems.Add(problem);
        }
    }
}
