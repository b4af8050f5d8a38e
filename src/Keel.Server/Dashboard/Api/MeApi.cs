using Keel.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Keel.Server.Dashboard.Api;

/// <summary>
/// <c>GET /api/me</c>, who the token says the caller is (the page checks a pasted token with it), and
/// <c>GET /api/stats</c>, the live header's counters.
/// </summary>
internal static class MeApi
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/me", MeAsync);
        api.MapGet("/stats", StatsAsync);
    }

    private static async Task MeAsync(HttpContext http, CustomerNames names)
    {
        var caller = DashboardApi.Caller(http);
        var name = caller.CustomerId is { } id ? await names.NameAsync(id, http.RequestAborted).ConfigureAwait(false) : null;
        await ApiJson.WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("role", caller.RoleName);
            if (caller.CustomerId is { } customerId)
            {
                writer.WriteString("customer_id", customerId);
                writer.Text("customer_name", name);
            }

            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    private static async Task StatsAsync(HttpContext http, IKeelStore store)
    {
        var counts = await store.GetTaskCountsAsync(DashboardApi.Caller(http).CustomerId, http.RequestAborted).ConfigureAwait(false);
        await ApiJson.WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("tasks", counts.Tasks);
            writer.WriteNumber("running", counts.Running);
            writer.WriteNumber("waiting", counts.Waiting);
            writer.WriteNumber("failed", counts.Failed);
            writer.WriteNumber("cost_usd", counts.CostUsd);
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }
}
