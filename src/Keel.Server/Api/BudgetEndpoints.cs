using System.Text.Json;
using Keel.Budgets;
using Keel.Server.Access;
using Keel.Server.Gateway;
using Keel.Server.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Api;

/// <summary>
/// <c>GET /v1/budgets</c>: the caller's customer's budgets as the serving process sees them, with what calls in flight
/// have reserved (the CLI, reading the database, can only show settled spending).
/// </summary>
public static class BudgetEndpoints
{
    public static void Map(WebApplication app) => app.MapGet("/v1/budgets", ListAsync);

    private static async Task ListAsync(HttpContext http, ApiKeyAuthenticator keys, BudgetLedger budgets)
    {
        var key = await keys.AuthenticateOrRefuseAsync(http).ConfigureAwait(false);
        if (key is null)
        {
            return;
        }

        var statuses = (await budgets.StatusAsync(http.RequestAborted).ConfigureAwait(false))
            .Where(s => s.Budget.CustomerId == key.CustomerId)
            .OrderBy(s => s.Budget.CreatedAt);
        http.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(http.Response.Body, WireJson.Options);
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        foreach (var status in statuses)
        {
            var budget = status.Budget;
            writer.WriteStartObject();
            writer.WriteString("id", budget.Id);
            writer.WriteString("scope", budget.Scope.ToString().ToLowerInvariant());
            writer.WriteString("scope_id", budget.ScopeId);
            writer.WriteString("period", budget.Period.ToString().ToLowerInvariant());
            writer.WriteNumber("limit_usd", budget.LimitUsd);
            writer.WriteNumber("spent_usd", status.SpentUsd);
            writer.WriteNumber("reserved_usd", status.ReservedUsd);
            writer.WriteNumber("remaining_usd", status.RemainingUsd);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }
}
