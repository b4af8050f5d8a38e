using System.Text.Json;
using Keel.Billing;
using Keel.Billing.Plans;
using Keel.Server.Tests.Dashboard;
using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>
/// <c>GET /api/billing/invoices</c>, <c>/api/billing/invoices/{id}</c> and <c>/api/billing/margin</c>: amounts in each
/// invoice's currency with its minor units, one total per currency, and the dashboard's access model (admin sees
/// all, a customer's key only its own, anything else 404 or an empty list).
/// </summary>
public sealed class BillingDashboardApiTests
{
    private static readonly BillingPeriod April = BillingPeriod.Month(2026, 4);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// acme (the harness's customer, USD): 3 successful outcomes at 0.125 = 0.375, rounded once to 0.38, plus a 9.00 fee:
    /// 9.38, finalized; one agent task costing 0.10 in April. globex (JPY): 3 outcomes at ¥12.5 = 37.5, rounded to ¥38, a draft.
    /// </summary>
    private static async Task<(BillingService Billing, string GlobexId, string GlobexKey, Invoice Acme, Invoice Globex)> SeedAsync(GatewayHarness gateway)
    {
        var (globexId, globexKey) = await gateway.CreateKeyAsync("globex");
        var billing = new BillingService(gateway.Store);
        var usd = new Plan("outcomes", 1, "Outcomes", "USD",
        [
            new PriceComponent("fee", "Platform fee", "", new Flat(9m)),
            new PriceComponent("won", "Successful outcomes", BillableMetrics.OutcomeSuccess, new PerUnit(0.125m)),
        ]);
        var jpy = new Plan("outcomes-jp", 1, "Outcomes JP", "JPY", [new PriceComponent("won", "Successful outcomes", BillableMetrics.OutcomeSuccess, new PerUnit(12.5m))]);
        foreach (var (customer, plan) in new[] { (gateway.CustomerId, usd), (globexId, jpy) })
        {
            await billing.AddPlanAsync(plan, Ct);
            await billing.OpenAccountAsync(customer, plan.Currency, Ct);
            await billing.SubscribeAsync(customer, plan.Id, plan.Version, April.Start, Ct);
            for (var i = 0; i < 3; i++)
            {
                await billing.RecordEventAsync(new BillableEvent
                {
                    Id = "", CustomerId = customer, IdempotencyKey = $"won-{i}", Metric = BillableMetrics.OutcomeSuccess,
                    Timestamp = April.Start.AddDays(i + 1), Agent = "support",
                }, Ct);
            }
        }

        await DashboardSeed.TaskAsync(gateway.Store, gateway.CustomerId, new() { CreatedAt = April.Start.AddDays(2), CostUsd = 0.10m });
        await billing.ComputeDraftAsync(gateway.CustomerId, April, Ct);
        var acme = await billing.FinalizeAsync(gateway.CustomerId, April, force: true, Ct);
        var globex = await billing.ComputeDraftAsync(globexId, April, Ct);
        return (billing, globexId, globexKey, acme, globex);
    }

    [Fact]
    public async Task Invoices_list_each_in_its_currency_with_a_total_per_currency_and_only_the_callers_own()
    {
        await using var gateway = await DashboardClient.StartAsync();
        var seed = await SeedAsync(gateway);

        var all = await gateway.GetApiAsync("billing/invoices", gateway.AdminToken);
        var finalized = await gateway.GetApiAsync("billing/invoices?status=finalized", gateway.AdminToken);
        var byName = await gateway.GetApiAsync("billing/invoices?customer=globex", gateway.AdminToken);
        var acme = await gateway.GetApiAsync("billing/invoices", gateway.Key);
        var acmeAskingForGlobex = await gateway.GetApiAsync("billing/invoices?customer=globex", gateway.Key);
        var badStatus = await gateway.GetApiAsync("billing/invoices?status=paid", gateway.AdminToken);

        Assert.Equal(200, all.Status);
        var rows = all.Json.GetProperty("invoices").EnumerateArray().ToDictionary(i => i.Str("customer_id"));
        var usd = rows[gateway.CustomerId];
        Assert.Equal(("INV-000001", "finalized", "USD", 2, "9.38", 2), (usd.Str("number"), usd.Str("status"), usd.Str("currency"),
            usd.GetProperty("minor_units").GetInt32(), usd.GetProperty("total").GetRawText(), usd.GetProperty("line_count").GetInt32()));
        var yen = rows[seed.GlobexId];
        Assert.Equal((JsonValueKind.Null, "draft", "JPY", 0, "38", "globex"), (yen.GetProperty("number").ValueKind, yen.Str("status"), yen.Str("currency"),
            yen.GetProperty("minor_units").GetInt32(), yen.GetProperty("total").GetRawText(), yen.Str("customer_name")));
        var totals = all.Json.GetProperty("totals").EnumerateArray().ToDictionary(t => t.Str("currency"), t => t.GetProperty("total").GetDecimal());
        Assert.Equal(new Dictionary<string, decimal> { ["JPY"] = 38m, ["USD"] = 9.38m }, totals);

        Assert.Equal([seed.Acme.Id], Ids(finalized));
        Assert.Equal([seed.Globex.Id], Ids(byName));
        Assert.Equal([seed.Acme.Id], Ids(acme));
        Assert.Empty(Ids(acmeAskingForGlobex));
        Assert.Equal(400, badStatus.Status);
    }

    [Fact]
    public async Task An_invoice_shows_its_lines_and_credit_notes_and_is_404_to_another_customer()
    {
        await using var gateway = await DashboardClient.StartAsync();
        var seed = await SeedAsync(gateway);
        await seed.Billing.CreditAsync(seed.Acme.Id, 1.005m, "goodwill", Ct); // rounded half away from zero: 1.01

        var detail = await gateway.GetApiAsync($"billing/invoices/{seed.Acme.Id}", gateway.Key);
        var globexByAcme = await gateway.GetApiAsync($"billing/invoices/{seed.Globex.Id}", gateway.Key);
        var globexByAdmin = await gateway.GetApiAsync($"billing/invoices/{seed.Globex.Id}", gateway.AdminToken);
        var missing = await gateway.GetApiAsync("billing/invoices/inv_nope", gateway.AdminToken);

        Assert.Equal(200, detail.Status);
        var invoice = detail.Json.GetProperty("invoice");
        Assert.Equal((3, 1.01m), (invoice.GetProperty("event_count").GetInt32(), invoice.GetProperty("credited").GetDecimal()));
        var lines = detail.Json.GetProperty("lines").EnumerateArray().ToList();
        Assert.Equal(["fee", "won"], lines.Select(l => l.Str("component_id")));
        var won = lines[1];
        Assert.Equal((3m, 0.125m, 0.375m, "0.38"), (won.GetProperty("quantity").GetDecimal(), won.GetProperty("unit_price").GetDecimal(),
            won.GetProperty("unrounded_amount").GetDecimal(), won.GetProperty("amount").GetRawText()));
        var note = Assert.Single(detail.Json.GetProperty("credit_notes").EnumerateArray());
        Assert.Equal(("CN-000001", 1.01m, "goodwill"), (note.Str("number"), note.GetProperty("total").GetDecimal(), note.Str("reason")));

        Assert.Equal(404, globexByAcme.Status);
        Assert.Equal(200, globexByAdmin.Status);
        Assert.Equal("38", Assert.Single(globexByAdmin.Json.GetProperty("lines").EnumerateArray()).GetProperty("amount").GetRawText());
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task Margin_sets_revenue_against_recorded_cost_by_customer_plan_and_agent()
    {
        await using var gateway = await DashboardClient.StartAsync();
        var seed = await SeedAsync(gateway);
        const string month = "from=2026-04-01T00:00:00Z&to=2026-05-01T00:00:00Z";

        var byCustomer = await gateway.GetApiAsync($"billing/margin?{month}", gateway.AdminToken);
        var byPlan = await gateway.GetApiAsync($"billing/margin?{month}&by=plan", gateway.AdminToken);
        var byAgent = await gateway.GetApiAsync($"billing/margin?{month}&by=agent", gateway.Key);
        var globex = await gateway.GetApiAsync($"billing/margin?{month}", seed.GlobexKey);
        var badBy = await gateway.GetApiAsync($"billing/margin?{month}&by=planet", gateway.AdminToken);
        var backwards = await gateway.GetApiAsync("billing/margin?from=2026-05-01T00:00:00Z&to=2026-04-01T00:00:00Z", gateway.AdminToken);

        // Revenue 9.38 against 0.10 of model cost: margin 9.28 (98.93 %), 3 outcomes: 3.0933… each.
        var row = Assert.Single(byCustomer.Json.GetProperty("rows").EnumerateArray());
        Assert.Equal((gateway.CustomerId, "USD", 9.38m, 0.10m, 9.28m, 3), (row.Str("customer_id"), row.Str("currency"), row.GetProperty("revenue").GetDecimal(),
            row.GetProperty("cost").GetDecimal(), row.GetProperty("margin").GetDecimal(), row.GetProperty("successful_outcomes").GetInt32()));
        Assert.Equal(Math.Round(9.28m / 9.38m * 100m, 4), row.GetProperty("margin_percent").GetDecimal());
        Assert.Equal(Math.Round(9.28m / 3m, 9), row.GetProperty("margin_per_successful_outcome").GetDecimal());
        // The JPY customer has no USD rate configured: listed as skipped, not a failed page.
        var skipped = Assert.Single(byCustomer.Json.GetProperty("skipped").EnumerateArray());
        Assert.Equal((seed.GlobexId, "JPY"), (skipped.Str("customer_id"), skipped.Str("currency")));
        Assert.Equal(9.38m, Assert.Single(byCustomer.Json.GetProperty("totals").EnumerateArray()).GetProperty("revenue").GetDecimal());

        Assert.Equal("outcomes", Assert.Single(byPlan.Json.GetProperty("rows").EnumerateArray()).Str("plan_id"));
        Assert.Equal(["support"], byAgent.Json.GetProperty("rows").EnumerateArray().Select(r => r.Str("agent")));
        Assert.Empty(globex.Json.GetProperty("rows").EnumerateArray());
        Assert.Equal(seed.GlobexId, Assert.Single(globex.Json.GetProperty("skipped").EnumerateArray()).Str("customer_id"));
        Assert.Equal((400, 400), (badBy.Status, backwards.Status));
    }

    private static string[] Ids(GatewayAnswer answer) => [.. answer.Json.GetProperty("invoices").EnumerateArray().Select(i => i.Str("id"))];
}
