using System.Globalization;
using Xunit;

namespace Keel.Cli.Tests;

/// <summary>`keel billing ...`: the demo's two billed customers, and a plan's whole life from the command line.</summary>
public sealed class BillingCommandTests(DemoDatabase demo)
{
    private const string Plan = """
        {"id":"growth","version":1,"name":"Growth","currency":"USD","minimum_commitment":10,"components":[
          {"id":"tickets","description":"Resolved tickets, \"hard\" ones","metric":"tickets.resolved",
           "model":{"type":"graduated","tiers":[{"up_to":10,"unit_price":0.5},{"up_to":null,"unit_price":0.25}]}}]}
        """;

    [Fact]
    public async Task Invoices_json_after_a_demo_lists_both_customers_drafts_with_their_lines()
    {
        var result = await CliRunner.RunAsync("billing", "invoices", "--db", demo.Path, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var invoices = Json.ParseArray(result.Stdout);
        Assert.Equal(["acme", "globex"], invoices.Select(i => i.Str("customer")).Order(StringComparer.Ordinal));
        foreach (var invoice in invoices)
        {
            Assert.Equal(("draft", "USD"), (invoice.Str("status"), invoice.Str("currency")));
            var lines = invoice.GetProperty("lines").EnumerateArray().ToList();
            Assert.NotEmpty(lines);
            Assert.All(lines, l => Assert.True(l.Has("description") && l.Has("quantity") && l.Has("amount"), l.ToString()));
            Assert.Equal(invoice.Dec("total"), lines.Sum(l => l.Dec("amount")));
            Assert.Matches(@"^-?\d+\.\d\d$", invoice.GetProperty("total").GetRawText()); // cents, always two decimals
        }

        // acme pays per successful outcome on graduated tiers: one line per successful outcome, priced tier by tier.
        var acme = invoices.Single(i => i.Str("customer") == "acme");
        var outcomes = acme.GetProperty("lines").EnumerateArray().Single(l => l.Str("metric") == "outcome.success");
        var successes = demo.Tasks.Count(t => t.Str("customer_id") == acme.Str("customer_id") && t.Str("status") == "succeeded");
        Assert.True(outcomes.Dec("quantity") > 0 && outcomes.Dec("quantity") <= successes, outcomes.ToString());
        Assert.NotEmpty(outcomes.GetProperty("tiers").EnumerateArray());

        // globex pays per task with a 25.00 monthly minimum: 50 tasks give it fewer than 63 (25 / 0.40), so the top-up applies.
        var globex = invoices.Single(i => i.Str("customer") == "globex");
        Assert.Equal(25.00m, globex.Dec("total"));
        Assert.Contains(globex.GetProperty("lines").EnumerateArray(), l => l.Str("component") == "minimum_commitment");
    }

    [Fact]
    public async Task The_demo_prints_both_draft_invoices_and_their_margins()
    {
        using var temp = new TempDirectory();

        var result = await CliRunner.RunAsync("demo", "--tasks", "6", "--db", temp.File("demo.db"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Total cost", result.Stdout, StringComparison.Ordinal); // the summary is still there
        Assert.Contains("Draft invoice · acme", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Draft invoice · globex", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("tier 1 (0-10]", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Minimum commitment", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("Margins", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("25.00 USD", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plan_is_added_subscribed_billed_finalized_credited_and_exported()
    {
        using var temp = new TempDirectory();
        var db = temp.File("billing.db");
        var planFile = temp.File("plan.json");
        await File.WriteAllTextAsync(planFile, Plan, TestContext.Current.CancellationToken);
        var at = new DateTimeOffset(2026, 10, 5, 12, 0, 0, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture);

        Assert.Equal(0, (await CliRunner.RunAsync("billing", "plans", "add", "--file", planFile, "--db", db)).ExitCode);
        var subscribed = await CliRunner.RunAsync("billing", "subscribe", "acme", "growth", "--from", "2026-10-01T00:00:00Z", "--db", db);
        Assert.True(subscribed.ExitCode == 0, subscribed.ToString());
        var first = await CliRunner.RunAsync("billing", "events", "add", "--customer", "acme", "--metric", "tickets.resolved", "--quantity", "14", "--at", at, "--key", "crm-1", "--db", db);
        var again = await CliRunner.RunAsync("billing", "events", "add", "--customer", "acme", "--metric", "tickets.resolved", "--quantity", "14", "--at", at, "--key", "crm-1", "--db", db);
        Assert.True(first.ExitCode == 0 && again.ExitCode == 0, again.ToString());
        Assert.Contains("counted once", again.Stdout, StringComparison.Ordinal);

        var draft = await CliRunner.RunAsync("billing", "invoice", "acme", "--period", "2026-10", "--json", "--db", db);
        Assert.True(draft.ExitCode == 0, draft.ToString());
        var invoice = Json.ParseSingle(draft.Stdout);
        Assert.Equal("draft", invoice.Str("status"));
        Assert.Equal("6.00", invoice.GetProperty("lines")[0].GetProperty("amount").GetRawText()); // 10 x 0.50 + 4 x 0.25
        Assert.Equal("10.00", invoice.GetProperty("total").GetRawText()); // topped up to the minimum

        var early = await CliRunner.RunAsync("billing", "finalize", "acme", "--period", "2026-10", "--db", db);
        Assert.True(early.ExitCode == 0, early.ToString()); // October's grace period is long over
        Assert.Contains("INV-000001 finalized", early.Stdout, StringComparison.Ordinal);
        var refused = await CliRunner.RunAsync("billing", "finalize", "INV-000001", "--db", db);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("finalized", refused.Stderr, StringComparison.Ordinal);

        var credit = await CliRunner.RunAsync("billing", "credit", "INV-000001", "--amount", "1.5", "--reason", "reopened", "--db", db);
        Assert.True(credit.ExitCode == 0, credit.ToString());
        Assert.Contains("1.50 USD", credit.Stdout, StringComparison.Ordinal);
        var tooMuch = await CliRunner.RunAsync("billing", "credit", "INV-000001", "--amount", "100", "--reason", "all", "--db", db);
        Assert.Equal(1, tooMuch.ExitCode);

        var csv = await CliRunner.RunAsync("billing", "invoices", "--csv", "--db", db);
        Assert.True(csv.ExitCode == 0, csv.ToString());
        Assert.StartsWith("invoice_id,invoice_number,customer,", csv.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"Resolved tickets, \"\"hard\"\" ones (Growth v1, 2026-10-01 to 2026-11-01)\"", csv.Stdout, StringComparison.Ordinal);

        var margin = await CliRunner.RunAsync("billing", "margin", "--period", "2026-10", "--json", "--db", db);
        Assert.True(margin.ExitCode == 0, margin.ToString());
        Assert.Equal(8.50m, Json.ParseSingle(margin.Stdout).GetProperty("by_customer")[0].Dec("revenue")); // 10.00 less the 1.50 credit
    }

    [Fact]
    public async Task Billing_help_shows_examples_and_bad_input_is_one_line()
    {
        var help = await CliRunner.RunAsync("billing", "--help");
        Assert.Contains("keel billing invoices --json", help.Stdout, StringComparison.Ordinal);
        Assert.All(["plans", "subscribe", "events", "invoice", "invoices", "finalize", "credit", "margin"],
            command => Assert.Matches($@"(?m)^\s+{command}\s", help.Stdout));

        var badPeriod = await CliRunner.RunAsync("billing", "invoice", "acme", "--period", "November", "--db", demo.Path);
        Assert.Equal(1, badPeriod.ExitCode);
        Assert.Contains("--period must be a month like 2026-11", badPeriod.Stderr, StringComparison.Ordinal);
        var noCustomer = await CliRunner.RunAsync("billing", "invoices", "--customer", "nobody", "--db", demo.Path);
        Assert.Equal(1, noCustomer.ExitCode);
        Assert.Contains("No customer 'nobody'", noCustomer.Stderr, StringComparison.Ordinal);
    }
}
