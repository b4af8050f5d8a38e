using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests.Dashboard;

/// <summary>
/// The dashboard's page and files, served from the assembly by the real server: the page is always revalidated,
/// versioned assets are cached for good, every module the app imports is there, and nothing else is.
/// </summary>
public sealed partial class DashboardStaticFilesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<GatewayHarness> StartAsync() => GatewayHarness.StartAsync(c => c.OpenAi("a").Alias("chat", "a"));

    [Fact]
    public async Task The_root_serves_the_page_as_html_that_is_revalidated_every_time()
    {
        await using var gateway = await StartAsync();

        using var response = await gateway.Http.GetAsync("", Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.Contains("script-src 'self'", Header(response, "Content-Security-Policy"), StringComparison.Ordinal);
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Contains("<title>Keel</title>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("__KEEL_ASSET_VERSION__", html, StringComparison.Ordinal);
        Assert.Equal(2, AssetReference().Count(html)); // the stylesheet and the app module
    }

    [Fact]
    public async Task Every_file_the_page_loads_comes_with_its_type_and_a_year_of_caching()
    {
        await using var gateway = await StartAsync();
        var html = await gateway.Http.GetStringAsync("", Ct);

        // The stylesheet and the entry module, then every module reachable by relative imports from it.
        var pending = new Queue<Uri>(AssetReference().Matches(html).Select(m => new Uri(gateway.Address, m.Value)));
        var seen = new HashSet<Uri>();
        while (pending.TryDequeue(out var url))
        {
            if (!seen.Add(url))
            {
                continue;
            }

            using var response = await gateway.Http.GetAsync(url, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url} answered {(int)response.StatusCode}");
            var expected = url.AbsolutePath.EndsWith(".css", StringComparison.Ordinal) ? "text/css" : "text/javascript";
            Assert.Equal(expected, response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.CacheControl is { Public: true, MaxAge.TotalDays: >= 365 }, $"{url}: Cache-Control {response.Headers.CacheControl}");
            Assert.Contains("immutable", response.Headers.CacheControl!.Extensions.Select(e => e.Name));
            Assert.NotNull(response.Headers.ETag);

            if (expected == "text/javascript")
            {
                foreach (Match import in RelativeImport().Matches(await response.Content.ReadAsStringAsync(Ct)))
                {
                    pending.Enqueue(new Uri(url, import.Groups["path"].Value));
                }
            }
        }

        Assert.Contains(seen, u => u.AbsolutePath.EndsWith("/js/pages/step.js", StringComparison.Ordinal)); // the walk reached the pages
        Assert.True(seen.Count >= 10, $"only {seen.Count} files reached from the page");
    }

    [Fact]
    public async Task An_unknown_asset_is_not_found()
    {
        await using var gateway = await StartAsync();
        var version = Version(await gateway.Http.GetStringAsync("", Ct));

        using var missing = await gateway.Http.GetAsync($"assets/{version}/js/no-such-module.js", Ct);
        using var outside = await gateway.Http.GetAsync($"assets/{version}/../Keel.Server.dll", Ct);
        using var index = await gateway.Http.GetAsync($"assets/{version}/index.html", Ct);

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, index.StatusCode); // the page is only served at /, with its version filled in
    }

    [Fact]
    public async Task A_browser_that_has_the_file_gets_304_and_no_body()
    {
        await using var gateway = await StartAsync();
        var version = Version(await gateway.Http.GetStringAsync("", Ct));
        using var first = await gateway.Http.GetAsync($"assets/{version}/app.css", Ct);

        using var again = new HttpRequestMessage(HttpMethod.Get, $"assets/{version}/app.css");
        again.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var revalidated = await gateway.Http.SendAsync(again, Ct);

        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
        Assert.Empty(await revalidated.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task A_file_asked_for_under_another_version_is_served_but_not_cached()
    {
        await using var gateway = await StartAsync();

        using var response = await gateway.Http.GetAsync("assets/0123456789ab/js/app.js", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoCache);
    }

    [Fact]
    public async Task The_gateway_routes_still_answer_as_before()
    {
        await using var gateway = await StartAsync();

        using var models = await gateway.SendAsync(new HttpRequestMessage(HttpMethod.Get, "v1/models"), key: null);
        using var unknown = await gateway.SendAsync(new HttpRequestMessage(HttpMethod.Get, "v1/no-such-route"), gateway.Key);

        Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/json", unknown.Content.Headers.ContentType?.MediaType);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    private static string Version(string html) => AssetReference().Match(html).Groups["version"].Value;

    [GeneratedRegex(@"assets/(?<version>[0-9a-f]{12})/[A-Za-z0-9_./-]+\.(css|js)")]
    private static partial Regex AssetReference();

    [GeneratedRegex(@"(?:import|from)\s*['""](?<path>\.{1,2}/[^'""]+)['""]")]
    private static partial Regex RelativeImport();
}
