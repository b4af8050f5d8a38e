using Keel.Billing;
using Keel.Billing.Invoicing;
using Keel.Server.Access;
using Keel.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Server.Dashboard.Api;

/// <summary>
/// The billing page's API: <c>GET /api/billing/invoices</c>, <c>GET /api/billing/invoices/{id}</c> and
/// <c>GET /api/billing/margin</c>. Amounts are in each invoice's own currency (never USD, never summed across
/// currencies), sent as JSON numbers with the currency's minor units, plus <c>minor_units</c> so the page prints
/// ¥1,235 and $12.50 as the invoice does. A customer's key sees only its customer's invoices and margins.
/// </summary>
internal static class BillingApi
{
    public static void Map(RouteGroupBuilder api)
    {
        var billing = api.MapGroup("/billing");
        billing.MapGet("/invoices", BillingInvoicesApi.ListAsync);
        billing.MapGet("/invoices/{id}", BillingInvoicesApi.GetAsync);
        billing.MapGet("/margin", BillingMarginApi.GetAsync);
    }

    /// <summary>
    /// The billing service the host registered (with its exchange rates and grace period), or one over the store with
    /// default options: the dashboard only reads, so it needs nothing else from it.
    /// </summary>
    public static BillingService Service(HttpContext http) =>
        http.RequestServices.GetService<BillingService>()
        ?? new BillingService(http.RequestServices.GetRequiredService<IKeelStore>(), http.RequestServices.GetService<BillingOptions>());

    /// <summary>
    /// The customer a <c>customer</c> parameter (id or name) names, as the caller may see it: null for no filter,
    /// <see cref="Nobody"/> when it names no customer the caller may see (an empty answer, not an error: a customer's key
    /// asking for another customer learns nothing). A customer's key is always filtered to its own customer.
    /// </summary>
    public static async Task<string?> CustomerFilterAsync(HttpContext http, IKeelStore store, string? customer)
    {
        var caller = DashboardApi.Caller(http);
        if (customer is null)
        {
            return caller.CustomerId;
        }

        return await store.FindVisibleCustomerIdAsync(caller, customer, http.RequestAborted).ConfigureAwait(false) ?? Nobody;
    }

    /// <summary>A customer id no customer has: filters everything out.</summary>
    public const string Nobody = "\0nobody";
}
