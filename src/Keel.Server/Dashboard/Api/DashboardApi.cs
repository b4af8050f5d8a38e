using Keel.Server.Access;
using Keel.Server.Gateway;
using Keel.Server.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Server.Dashboard.Api;

/// <summary>
/// The dashboard's JSON API under <c>/api</c> (snake_case, times ISO-8601 UTC, money in USD as numbers). Every request
/// to <c>/api</c>, known route or not, passes the same guard first: the admin token, a customer's API key (which sees
/// only its customer's data; anything else answers 404) or, with <c>--insecure-local</c>, no token at all.
/// </summary>
public static class DashboardApi
{
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWhen(http => http.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase), branch => branch.Use(GuardAsync));
        var api = app.MapGroup("/api");
        MeApi.Map(api);
        TaskListApi.Map(api);
        TaskDetailApi.Map(api);
        StepApi.Map(api);
        SessionApi.Map(api);
        ApprovalApi.Map(api);
        CostApi.Map(api);
        ReplayApi.Map(api);
        BillingApi.Map(api);
        api.Map("/{**rest}", (HttpContext http) => GatewayResponses.WriteErrorAsync(http,
            OpenAiError.NotFound($"The dashboard API has no {http.Request.Method} {http.Request.Path}; docs/dashboard.md lists its routes.")));
    }

    /// <summary>The caller the guard let in; every handler under <c>/api</c> has one.</summary>
    internal static DashboardCaller Caller(HttpContext http) => http.Features.GetRequiredFeature<DashboardCaller>();

    private static async Task GuardAsync(HttpContext http, Func<Task> next)
    {
        var caller = await http.RequestServices.GetRequiredService<DashboardAuthenticator>().AuthenticateOrRefuseAsync(http).ConfigureAwait(false);
        if (caller is null)
        {
            return;
        }

        http.Features.Set(caller);
        http.Response.Headers.CacheControl = "no-store"; // per-caller data: no shared cache may keep it
        await next().ConfigureAwait(false);
    }
}
