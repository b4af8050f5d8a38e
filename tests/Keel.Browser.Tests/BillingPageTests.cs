using System.Text.RegularExpressions;
using Keel.Billing;
using Keel.Billing.Plans;
using Keel.EndToEnd;
using Keel.Journal;
using Keel.Storage.Sqlite;
using Keel.Tasks;
using Keel.Usage;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Keel.Browser.Tests;

/// <summary>
/// The billing page on a database seeded through <see cref="BillingService"/>: a USD customer on a graduated plan
/// (finalized), a JPY customer (no minor units) and a KWD customer (three) with drafts. The page lists the invoices
/// with totals in each currency's minor units, drills into an invoice's lines, and shows the month's margin.
/// </summary>
public sealed partial class BillingPageTests(DashboardFixture dashboard)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly BillingPeriod April = BillingPeriod.Month(2026, 4);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_billing_page_lists_invoices_in_their_currencies_drills_into_lines_and_shows_margins()
    {
        using var temp = new TempDirectory();
        var db = temp.File("billing.db");
        var (acme, tokyo, kuwait) = await SeedAsync(db);

        await using var server = KeelProgram.Start("serve", "--db", db, "--urls", "http://127.0.0.1:0", "--insecure-local", "--workers", "0");
        var url = (await server.WaitForLineAsync(ServeOutput.Listening(), onStdout: false, StartTimeout)).Groups[1].Value;
        await using var page = await DashboardPage.OpenAsync(dashboard.Browser, url, "/#/billing");

        await Expect(page.ById("page-billing")).ToBeVisibleAsync();
        await Expect(page.ById("invoice-row")).ToHaveCountAsync(3);
        // 1,200.00 fee + graduated outcomes 2 × 1.25 + 3 × 0.80 = 1,204.90; ¥10,000 + 3 × ¥12.5 = ¥10,037.5, rounded once to ¥10,038;
        // 3 × KWD 0.1235 = 0.3705, rounded half away from zero to 0.371.
        await Expect(Row(page, acme).GetByTestId("invoice-total")).ToHaveTextAsync("$1,204.90");
        await Expect(Row(page, acme).GetByTestId("invoice-status")).ToHaveTextAsync("finalized");
        await Expect(Row(page, acme).GetByTestId("invoice-link")).ToHaveTextAsync("INV-000001");
        await Expect(Row(page, tokyo).GetByTestId("invoice-total")).ToHaveTextAsync("¥10,038");
        await Expect(Row(page, tokyo).GetByTestId("invoice-status")).ToHaveTextAsync("draft");
        await Expect(Row(page, kuwait).GetByTestId("invoice-total")).ToHaveTextAsync(ThreeDecimals());
        await Expect(page.Page.Locator("[data-testid=billing-total][data-currency=JPY] [data-testid=billing-total-value]")).ToHaveTextAsync("¥10,038");
        await Expect(page.Page.Locator("[data-testid=billing-total][data-currency=USD] [data-testid=billing-total-value]")).ToHaveTextAsync("$1,204.90");

        // The month's margin: revenue 1,204.90 against 0.40 of recorded model cost. Customers billed in a currency with no
        // USD rate configured are named, not silently dropped.
        var margin = page.Page.Locator($"[data-testid=margin-row][data-customer-id=\"{acme}\"]");
        await Expect(margin.GetByTestId("margin-revenue")).ToHaveTextAsync("$1,204.90");
        await Expect(margin.GetByTestId("margin-margin")).ToHaveTextAsync("$1,204.50");
        await Expect(page.ById("margin-skipped")).ToContainTextAsync("tokyo (JPY)");
        await page.ScreenshotAsync("billing");

        await Row(page, acme).GetByTestId("invoice-link").ClickAsync();
        await Expect(page.ById("page-invoice")).ToBeVisibleAsync();
        await Expect(page.ById("invoice-line")).ToHaveCountAsync(2);
        await Expect(page.Page.Locator("[data-testid=invoice-line][data-component=outcomes]")).ToContainTextAsync("tier 2: 3 × 0.8");
        await Expect(page.Page.Locator("[data-testid=invoice-line][data-component=outcomes] [data-testid=invoice-line-amount]")).ToHaveTextAsync("$4.90");
        await Expect(page.Page.Locator("[data-testid=invoice-line][data-component=fee] [data-testid=invoice-line-amount]")).ToHaveTextAsync("$1,200.00");
        await Expect(page.ById("invoice-detail-total")).ToHaveTextAsync("$1,204.90");
        await page.ScreenshotAsync("invoice");

        await page.Page.GotoAsync("/#/billing");
        await Row(page, tokyo).GetByTestId("invoice-link").ClickAsync();
        await Expect(page.ById("invoice-detail-total")).ToHaveTextAsync("¥10,038");
        await Expect(page.Page.Locator("[data-testid=invoice-line][data-component=won] [data-testid=invoice-line-amount]")).ToHaveTextAsync("¥38");
        await page.ScreenshotAsync("invoice-jpy");
    }

    private static Microsoft.Playwright.ILocator Row(DashboardPage page, string customerId) =>
        page.Page.Locator($"[data-testid=invoice-row][data-customer-id=\"{customerId}\"]");

    [GeneratedRegex(@"^KWD\s*0\.371$")]
    private static partial Regex ThreeDecimals();

    /// <summary>The three customers, their plans, events and invoices, written through the billing service; returns their ids.</summary>
    private static async Task<(string Acme, string Tokyo, string Kuwait)> SeedAsync(string db)
    {
        await using var store = await SqliteKeelStore.OpenAsync(db);
        var billing = new BillingService(store);
        var plans = new[]
        {
            new Plan("growth", 1, "Growth", "USD",
            [
                new PriceComponent("fee", "Platform fee", "", new Flat(1_200m)),
                new PriceComponent("outcomes", "Resolved tickets", BillableMetrics.OutcomeSuccess, new Graduated([new PriceTier(2, 1.25m), new PriceTier(null, 0.80m)])),
            ]),
            new Plan("tokyo", 1, "Tokyo", "JPY",
            [
                new PriceComponent("fee", "Platform fee", "", new Flat(10_000m)),
                new PriceComponent("won", "Successful outcomes", BillableMetrics.OutcomeSuccess, new PerUnit(12.5m)),
            ]),
            new Plan("gulf", 1, "Gulf", "KWD", [new PriceComponent("won", "Successful outcomes", BillableMetrics.OutcomeSuccess, new PerUnit(0.1235m))]),
        };
        var ids = new List<string>();
        foreach (var (name, plan, outcomes) in new[] { ("acme", plans[0], 5), ("tokyo", plans[1], 3), ("kuwait", plans[2], 3) })
        {
            var customer = (await store.EnsureCustomerAsync(name, Ct)).Id;
            await billing.AddPlanAsync(plan, Ct);
            await billing.OpenAccountAsync(customer, plan.Currency, Ct);
            await billing.SubscribeAsync(customer, plan.Id, plan.Version, April.Start, Ct);
            for (var i = 0; i < outcomes; i++)
            {
                await billing.RecordEventAsync(new BillableEvent
                {
                    Id = "", CustomerId = customer, IdempotencyKey = $"won-{i}", Metric = BillableMetrics.OutcomeSuccess,
                    Timestamp = April.Start.AddDays(i + 1), Agent = "support",
                }, Ct);
            }

            await billing.ComputeDraftAsync(customer, April, Ct);
            ids.Add(customer);
        }

        await ModelCostAsync(store, ids[0], April.Start.AddDays(3), 0.40m);
        await billing.FinalizeAsync(ids[0], April, force: true, Ct);
        return (ids[0], ids[1], ids[2]);
    }

    /// <summary>A finished task of the support agent whose one model call cost <paramref name="usd"/>: the cost side of the margin.</summary>
    private static async Task ModelCostAsync(SqliteKeelStore store, string customerId, DateTimeOffset at, decimal usd)
    {
        var task = new AgentTask { Id = KeelIds.NewTaskId(), Agent = "support", CustomerId = customerId, Status = AgentTaskStatus.Running, CreatedAt = at, StartedAt = at };
        await store.CreateTaskAsync(task, Ct);
        await store.CommitStepAsync(new StepCommit
        {
            Step = new StepRecord { TaskId = task.Id, Seq = 1, Kind = StepKind.Model, Name = "chat gpt-test", Status = StepStatus.Succeeded, Attempts = 1, CostUsd = usd, StartedAt = at, EndedAt = at },
            Usage = [new UsageEvent { IdempotencyKey = $"{task.Id}:model", CustomerId = customerId, TaskId = task.Id, StepSeq = 1, Kind = UsageKind.Model, Resource = "gpt-test", CostUsd = usd, CreatedAt = at, Agent = "support" }],
            Task = task with { Status = AgentTaskStatus.Succeeded, EndedAt = at },
        }, Ct);
    }
}
