using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Keel.Browser.Tests;

/// <summary>The costs page charts the demo's spend by model, agent and customer.</summary>
public sealed class CostsPageTests(DashboardFixture dashboard)
{
    [Fact]
    public async Task The_costs_page_charts_the_demos_spend_by_agent_and_customer()
    {
        await using var page = await dashboard.OpenAsync("/#/costs");
        await Expect(page.ById("cost-totals")).ToBeVisibleAsync();
        foreach (var agent in new[] { "research", "support-supervised" })
        {
            await Expect(page.ById("costs-by-agent").Locator($"[data-testid=cost-row][data-key=\"{agent}\"]")).ToHaveCountAsync(1);
        }

        await Expect(page.ById("costs-by-customer").GetByTestId("cost-row")).ToHaveCountAsync(2);
        await Expect(page.ById("costs-by-model").GetByTestId("cost-row").First).ToBeVisibleAsync();
        await page.ScreenshotAsync("costs");
    }
}
