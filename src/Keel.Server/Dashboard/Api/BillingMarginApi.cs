using System.Text.Json;
using Keel.Billing;
using Keel.Billing.Margins;
using Keel.Storage;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Dashboard.Api;

/// <summary>
/// <c>GET /api/billing/margin?from=&amp;to=&amp;by=customer|plan|agent</c>: revenue against Keel's recorded cost for the
/// invoices of a period (default: the current calendar month, UTC), with a total per currency. Cost is recorded in
/// USD and shown in each customer's currency; a customer whose currency has no configured USD rate is listed under
/// <c>skipped</c> rather than failing the whole answer.
/// </summary>
internal static class BillingMarginApi
{
    public static async Task GetAsync(HttpContext http, IKeelStore store, CustomerNames names, TimeProvider time)
    {
        var parameters = new ApiQuery(http.Request.Query);
        var by = parameters.Text("by") ?? "customer";
        if (by is not ("customer" or "plan" or "agent"))
        {
            parameters.Fail("by", "customer, plan or agent");
        }

        var month = BillingPeriod.MonthOf(time.GetUtcNow());
        var from = parameters.Time("from") ?? month.Start;
        var to = parameters.Time("to") ?? (parameters.Text("from") is null ? month.End : from.AddMonths(1));
        if (parameters.Error is null && to <= from)
        {
            parameters.Fail("to", "a time after 'from'");
        }

        if (parameters.Error is { } error)
        {
            await ApiJson.InvalidAsync(http, error).ConfigureAwait(false);
            return;
        }

        var ct = http.RequestAborted;
        var caller = DashboardApi.Caller(http);
        var billing = BillingApi.Service(http);
        var period = new BillingPeriod(from, to);
        var rows = new List<MarginRow>();
        var skipped = new List<(string CustomerId, string Currency)>();
        foreach (var account in (await store.ListBillingAccountsAsync(ct).ConfigureAwait(false)).Where(a => caller.CanSee(a.CustomerId)))
        {
            if (!billing.Options.CanConvert(account.Currency))
            {
                skipped.Add((account.CustomerId, account.Currency));
                continue;
            }

            var report = await billing.MarginAsync(period, account.CustomerId, ct).ConfigureAwait(false);
            rows.AddRange(by switch { "plan" => report.ByPlan, "agent" => report.ByAgent, _ => report.ByCustomer });
        }

        var customerNames = await names.NamesAsync(rows.Select(r => r.CustomerId).Concat(skipped.Select(s => s.CustomerId)), ct).ConfigureAwait(false);
        var ordered = rows.OrderBy(r => r.Currency, StringComparer.Ordinal).ThenByDescending(r => r.Revenue)
            .ThenBy(r => customerNames.GetValueOrDefault(r.CustomerId) ?? r.CustomerId, StringComparer.Ordinal).ToList();
        await ApiJson.WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("by", by);
            writer.Time("from", from);
            writer.Time("to", to);
            writer.WriteStartArray("rows");
            foreach (var row in ordered)
            {
                writer.WriteStartObject();
                writer.WriteString("customer_id", row.CustomerId);
                writer.Text("customer_name", customerNames.GetValueOrDefault(row.CustomerId));
                writer.Text("plan_id", row.PlanId);
                writer.Text("agent", row.Agent);
                WriteFigures(writer, row.Currency, row.Revenue, row.ModelCost, row.ToolCost, row.HumanCost, row.SuccessfulOutcomes);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("totals");
            foreach (var group in ordered.GroupBy(r => r.Currency, StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                WriteFigures(writer, group.Key, group.Sum(r => r.Revenue), group.Sum(r => r.ModelCost), group.Sum(r => r.ToolCost), group.Sum(r => r.HumanCost),
                    group.Sum(r => r.SuccessfulOutcomes));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("skipped");
            foreach (var (customerId, currency) in skipped)
            {
                writer.WriteStartObject();
                writer.WriteString("customer_id", customerId);
                writer.Text("customer_name", customerNames.GetValueOrDefault(customerId));
                writer.WriteString("currency", currency);
                writer.WriteString("reason", $"No USD exchange rate for {currency}: recorded cost (USD) cannot be set against revenue in {currency}.");
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    /// <summary>The money of a row or a total; margins come from <see cref="MarginRow"/> so they read as the CLI's.</summary>
    private static void WriteFigures(Utf8JsonWriter writer, string currency, decimal revenue, decimal model, decimal tool, decimal human, long outcomes)
    {
        var row = new MarginRow("", null, null, currency, revenue, model, tool, human, outcomes);
        BillingRows.Currency(writer, currency);
        writer.WriteNumber("revenue", row.Revenue);
        writer.WriteNumber("model_cost", Math.Round(row.ModelCost, 9));
        writer.WriteNumber("tool_cost", Math.Round(row.ToolCost, 9));
        writer.WriteNumber("human_cost", Math.Round(row.HumanCost, 9));
        writer.WriteNumber("cost", Math.Round(row.Cost, 9));
        writer.WriteNumber("margin", Math.Round(row.Margin, 9));
        writer.Number("margin_percent", row.MarginPercent is { } percent ? Math.Round(percent, 4) : null);
        writer.WriteNumber("successful_outcomes", row.SuccessfulOutcomes);
        writer.Number("margin_per_successful_outcome", row.MarginPerSuccessfulOutcome is { } perOutcome ? Math.Round(perOutcome, 9) : null);
    }
}
