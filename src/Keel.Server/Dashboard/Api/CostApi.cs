using System.Text.Json;
using Keel.Budgets;
using Keel.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Keel.Server.Dashboard.Api;

/// <summary>
/// <c>GET /api/costs</c>, cost by day, model, agent or customer, split into model, tool and human time; and
/// <c>GET /api/budgets</c>, the budgets with what they have spent. A customer's key sees only its customer's.
/// </summary>
internal static class CostApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/costs", CostsAsync);
        api.MapGet("/budgets", BudgetsAsync);
    }

    private static async Task CostsAsync(HttpContext http, IKeelStore store)
    {
        var parameters = new ApiQuery(http.Request.Query);
        var by = parameters.Text("by") ?? "day";
        CostGrouping? grouping = by switch
        {
            "day" => CostGrouping.Day,
            "model" => CostGrouping.Model,
            "agent" => CostGrouping.Agent,
            "customer" => CostGrouping.Customer,
            "task" => CostGrouping.Task,
            _ => null,
        };
        if (grouping is null)
        {
            parameters.Fail("by", "day, model, agent, customer or task");
        }

        var since = parameters.Time("since") ?? DateTimeOffset.MinValue;
        if (parameters.Error is { } error)
        {
            await ApiJson.InvalidAsync(http, error).ConfigureAwait(false);
            return;
        }

        var customer = DashboardApi.Caller(http).CustomerId;
        // Both read all usage since the time: side by side, on two read connections, the page waits for one.
        // (The store may run a read synchronously on the caller's thread, hence Task.Run.)
        var ct = http.RequestAborted;
        var rowsRead = Task.Run(() => store.CostReportAsync(grouping!.Value, since, customer, ct).AsTask(), ct);
        var totalsRead = Task.Run(() => store.CostReportAsync(CostGrouping.All, since, customer, ct).AsTask(), ct);
        var rows = await rowsRead.ConfigureAwait(false);
        var totals = await totalsRead.ConfigureAwait(false);
        // Days read left to right on a chart; every other grouping comes most expensive first.
        var ordered = grouping == CostGrouping.Day ? rows.OrderBy(r => r.Key, StringComparer.Ordinal).ToList() : rows;
        await ApiJson.WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("by", by);
            writer.WriteStartArray("rows");
            foreach (var row in ordered)
            {
                writer.WriteStartObject();
                WriteRow(writer, row);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartObject("total");
            WriteRow(writer, totals.Count > 0 ? totals[0] : new CostRow("total", 0, 0, 0, 0, 0, 0));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static void WriteRow(Utf8JsonWriter writer, CostRow row)
    {
        writer.WriteString("key", row.Key);
        writer.WriteNumber("model_usd", row.ModelUsd);
        writer.WriteNumber("tool_usd", row.ToolUsd);
        writer.WriteNumber("human_usd", row.HumanUsd);
        writer.WriteNumber("total_usd", row.TotalUsd);
        writer.WriteNumber("tasks", row.Tasks);
        writer.WriteNumber("successful_outcomes", row.SuccessfulOutcomes);
        writer.WriteNumber("human_seconds", row.HumanSeconds);
        writer.Number("cost_per_successful_outcome", row.CostPerSuccessfulOutcome is { } perOutcome ? Math.Round(perOutcome, 9) : null);
    }

    /// <summary>As the serving process sees them: with what calls in flight have reserved.</summary>
    private static async Task BudgetsAsync(HttpContext http, BudgetLedger budgets)
    {
        var caller = DashboardApi.Caller(http);
        var statuses = (await budgets.StatusAsync(http.RequestAborted).ConfigureAwait(false))
            .Where(s => caller.CanSee(s.Budget.CustomerId))
            .OrderBy(s => s.Budget.CreatedAt)
            .ToList();
        await ApiJson.WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("budgets");
            foreach (var status in statuses)
            {
                var budget = status.Budget;
                writer.WriteStartObject();
                writer.WriteString("id", budget.Id);
                writer.WriteString("scope", ApiJson.Lower(budget.Scope));
                writer.WriteString("scope_id", budget.ScopeId);
                writer.WriteString("customer_id", budget.CustomerId);
                writer.WriteString("period", ApiJson.Lower(budget.Period));
                writer.WriteNumber("limit_usd", budget.LimitUsd);
                writer.WriteNumber("spent_usd", status.SpentUsd);
                writer.WriteNumber("reserved_usd", status.ReservedUsd);
                writer.WriteNumber("remaining_usd", status.RemainingUsd);
                writer.Time("period_start", status.PeriodStart);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }
}
