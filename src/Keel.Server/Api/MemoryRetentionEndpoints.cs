using Keel.Memory;
using Keel.Server.Access;
using Keel.Server.Gateway;
using Keel.Server.Routing;
using Keel.Server.Wire;
using Keel.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Api;

/// <summary>
/// <c>/v1/memories/retention</c>: how long each scope keeps its memories. A customer's key sets and lists only its
/// own customer's policies (the customer is part of every scope). <c>keel serve</c> applies every policy hourly
/// (<see cref="Keel.Memory.Retention.MemoryRetentionService"/>); <c>POST .../apply</c> applies them now: a customer's
/// key its own customer's only, the admin token everyone's (or one customer's with <c>?customer=NAME</c>).
/// </summary>
internal static class MemoryRetentionEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapPut("/v1/memories/retention", SetAsync);
        app.MapGet("/v1/memories/retention", ListAsync);
        app.MapPost("/v1/memories/retention/apply", ApplyAsync);
    }

    /// <summary>Sets or replaces a scope's policy: <c>{"user_id", "agent_id", "session_id", "max_age_days" | "max_age", "kinds"}</c>.</summary>
    private static Task SetAsync(HttpContext http, ApiKeyAuthenticator keys, GatewayCatalog catalog, IKeelStore store) =>
        MemoryRequest.RunAsync(http, keys, async customerId =>
        {
            var body = await JsonBody.ReadObjectAsync(http, catalog).ConfigureAwait(false);
            var policy = MemoryRetentionWire.ToPolicy(customerId, MemoryRequest.Deserialize(body, MemoryApiJson.Default.MemoryRetentionRequestJson));
            await store.SetMemoryRetentionAsync(policy, http.RequestAborted).ConfigureAwait(false);
            await JsonBody.WriteAsync(http, MemoryRetentionWire.ToJson(policy), MemoryApiJson.Wire.MemoryRetentionJson).ConfigureAwait(false);
        });

    private static Task ListAsync(HttpContext http, ApiKeyAuthenticator keys, IKeelStore store) =>
        MemoryRequest.RunAsync(http, keys, async customerId =>
        {
            var policies = await store.ListMemoryRetentionAsync(customerId, http.RequestAborted).ConfigureAwait(false);
            await JsonBody.WriteAsync(http, new MemoryRetentionListJson("list", [.. policies.Select(MemoryRetentionWire.ToJson)]),
                MemoryApiJson.Wire.MemoryRetentionListJson).ConfigureAwait(false);
        });

    /// <summary>
    /// Forgets what the policies expire now. The store's global apply runs only for the admin token (or a server
    /// started with <c>--insecure-local</c>); a customer's key applies its own customer's policies and no one else's.
    /// </summary>
    private static async Task ApplyAsync(HttpContext http, DashboardAuthenticator auth, IKeelStore store, TimeProvider time)
    {
        var caller = await auth.AuthenticateOrRefuseAsync(http).ConfigureAwait(false);
        if (caller is null)
        {
            return;
        }

        var named = http.Request.Query["customer"].ToString();
        var customerId = caller.CustomerId;
        if (named.Length > 0)
        {
            customerId = await store.FindVisibleCustomerIdAsync(caller, named, http.RequestAborted).ConfigureAwait(false);
            if (customerId is null)
            {
                await GatewayResponses.WriteErrorAsync(http, VisibleCustomers.NotFound(caller, named)).ConfigureAwait(false);
                return;
            }
        }

        var now = time.GetUtcNow();
        var removed = customerId is null
            ? await store.ApplyMemoryRetentionAsync(now, http.RequestAborted).ConfigureAwait(false)
            : await store.ApplyMemoryRetentionAsync(customerId, now, http.RequestAborted).ConfigureAwait(false);
        await JsonBody.WriteAsync(http, new MemoryRetentionApplyJson("memory.retention.apply", customerId, now, removed.Count),
            MemoryApiJson.Wire.MemoryRetentionApplyJson).ConfigureAwait(false);
    }
}
