using System.Net;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Keel.Browser.Tests;

/// <summary>
/// Without <c>--insecure-local</c> the dashboard shows nothing until it is given the admin token that `keel serve`
/// printed on its first start on the database; a wrong token is refused.
/// </summary>
public sealed class SignInTests(DashboardFixture dashboard)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_dashboard_asks_for_the_admin_token_refuses_a_wrong_one_and_shows_the_tasks_with_the_right_one()
    {
        // Its own server on a copy of the demo's database: no worker pool, nothing else shares it.
        await using var server = KeelProgram.Start("serve", "--db", dashboard.SignInDbPath, "--urls", "http://127.0.0.1:0", "--workers", "0");
        var url = (await server.WaitForLineAsync(ServeOutput.Listening(), onStdout: false, StartTimeout)).Groups[1].Value;
        var token = (await server.WaitForLineAsync(ServeOutput.AdminToken(), onStdout: false, StartTimeout)).Groups[1].Value;

        using (var http = new HttpClient { BaseAddress = new Uri(url) })
        {
            using var refused = await http.GetAsync(new Uri("/api/tasks", UriKind.Relative), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await using var page = await DashboardPage.OpenAsync(dashboard.Browser, url, "/#/tasks");
        await Expect(page.ById("token-prompt")).ToBeVisibleAsync();
        await Expect(page.ById("task-row")).ToHaveCountAsync(0);
        await page.ScreenshotAsync("sign-in");

        await page.ById("token-input").FillAsync(token + "x");
        await page.ById("token-submit").ClickAsync();
        await Expect(page.ById("token-error")).ToBeVisibleAsync();
        await Expect(page.ById("task-row")).ToHaveCountAsync(0);

        await page.ById("token-input").FillAsync(token);
        await page.ById("token-submit").ClickAsync();
        await Expect(page.ById("token-prompt")).ToBeHiddenAsync();
        await Expect(page.ById("whoami")).ToHaveAttributeAsync("data-role", "admin");
        await Expect(page.ById("task-row")).ToHaveCountAsync(DashboardFixture.DemoTasks);
        await page.ScreenshotAsync("tasks-signed-in");
    }
}
