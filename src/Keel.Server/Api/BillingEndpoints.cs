using System.Text.Json;
using Keel.Billing;
using Keel.Billing.Exports;
using Keel.Billing.Invoicing;
using Keel.Billing.Plans;
using Keel.Server.Access;
using Keel.Server.Gateway;
using Keel.Server.Routing;
using Keel.Server.Wire;
using Keel.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Server.Api;

/// <summary>
/// <c>/v1/billing</c>: plans, subscriptions, events, invoices, credit notes and margins over REST. The admin token
/// manages everything; a customer's API key posts its own events and reads its own invoices, events, subscriptions and
/// credit notes, and anything of another customer is a 404 as if it did not exist. Answers are the snake_case documents
/// of <c>Keel.Billing.Exports</c> (the CLI's <c>--json</c> prints the same); errors are OpenAI-shaped.
/// </summary>
public static class BillingEndpoints
{
    /// <summary>Registers the billing service over the registered store and clock.</summary>
    public static IServiceCollection AddKeelBilling(this IServiceCollection services)
    {
        services.AddSingleton(sp => new BillingService(sp.GetRequiredService<IKeelStore>(),
            new BillingOptions { TimeProvider = sp.GetService<TimeProvider>() ?? TimeProvider.System }));
        return services;
    }

    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/billing/plans", ListPlansAsync);
        app.MapPost("/v1/billing/plans", AddPlanAsync);
        app.MapGet("/v1/billing/subscriptions", ListSubscriptionsAsync);
        app.MapPost("/v1/billing/subscriptions", SubscribeAsync);
        app.MapPost("/v1/billing/subscriptions/cancel", CancelAsync);
        BillingEventEndpoints.Map(app);
        BillingInvoiceEndpoints.Map(app);
    }

    private static Task ListPlansAsync(HttpContext http, DashboardAuthenticator auth, BillingService billing) =>
        BillingRequest.RunAsync(http, auth, async _ =>
        {
            var plans = await billing.ListPlansAsync(http.RequestAborted).ConfigureAwait(false);
            await BillingRequest.WriteListAsync(http, plans.Select(p => PlanDocument.From(p.Stored)), BillingJson.Default.PlanDocument).ConfigureAwait(false);
        }, adminOnly: true);

    /// <summary>The body is a plan (docs/billing.md). 201 when stored, 200 when that version was already there as it is, 409 when it differs.</summary>
    private static Task AddPlanAsync(HttpContext http, DashboardAuthenticator auth, BillingService billing, GatewayCatalog catalog) =>
        BillingRequest.RunAsync(http, auth, async _ =>
        {
            Plan plan;
            try
            {
                plan = PlanJson.Deserialize(await BillingRequest.ReadTextAsync(http, catalog).ConfigureAwait(false));
            }
            catch (JsonException ex)
            {
                throw new BillingInputException($"The body is not a plan: {ex.Message} See docs/billing.md for the format.", ex.Path is { Length: > 2 } p ? p[2..] : null);
            }

            var existed = await billing.GetPlanAsync(plan.Id, plan.Version, http.RequestAborted).ConfigureAwait(false) is not null;
            var stored = await billing.AddPlanAsync(plan, http.RequestAborted).ConfigureAwait(false);
            await BillingRequest.WriteAsync(http, PlanDocument.From(stored), BillingJson.Default.PlanDocument, existed ? StatusCodes.Status200OK : StatusCodes.Status201Created).ConfigureAwait(false);
        }, adminOnly: true);

    private static Task ListSubscriptionsAsync(HttpContext http, DashboardAuthenticator auth, BillingService billing, IKeelStore store) =>
        BillingRequest.RunAsync(http, auth, async caller =>
        {
            var customerId = await BillingRequest.CustomerAsync(http, store, caller, BillingRequest.Query(http, "customer")).ConfigureAwait(false);
            var subscriptions = await billing.ListSubscriptionsAsync(customerId, http.RequestAborted).ConfigureAwait(false);
            await BillingRequest.WriteListAsync(http, subscriptions.Select(s => SubscriptionDocument.From(s)), BillingJson.Default.SubscriptionDocument).ConfigureAwait(false);
        });

    /// <summary>
    /// <c>{"customer", "plan", "version"?, "starts_at"?, "currency"?}</c>: subscribes, or changes plan at <c>starts_at</c>
    /// (default now) when the customer is on one. The customer's billing account is opened on first use, in
    /// <c>currency</c> or the plan's.
    /// </summary>
    private static Task SubscribeAsync(HttpContext http, DashboardAuthenticator auth, BillingService billing, IKeelStore store, GatewayCatalog catalog, TimeProvider time) =>
        BillingRequest.RunAsync(http, auth, async caller =>
        {
            var body = await BillingRequest.ReadObjectAsync(http, catalog).ConfigureAwait(false);
            var customerId = await BillingRequest.CustomerAsync(http, store, caller, BillingRequest.Text(body, "customer", required: true)).ConfigureAwait(false);
            var planId = BillingRequest.Text(body, "plan", required: true)!;
            var version = BillingRequest.Int(body, "version");
            var startsAt = BillingRequest.Time(body, "starts_at") ?? time.GetUtcNow();
            var currency = BillingRequest.Text(body, "currency");
            var plan = await billing.GetPlanAsync(planId, version, http.RequestAborted).ConfigureAwait(false)
                ?? throw new GatewayException(OpenAiError.NotFound(version is null ? $"No plan '{planId}'." : $"No plan '{planId}' version {version}."));

            if (await billing.GetAccountAsync(customerId, http.RequestAborted).ConfigureAwait(false) is null)
            {
                await billing.OpenAccountAsync(customerId, currency ?? plan.Currency, http.RequestAborted).ConfigureAwait(false);
            }

            var subscription = await billing.SubscribeAsync(customerId, plan.PlanId, plan.Version, startsAt, http.RequestAborted).ConfigureAwait(false);
            await BillingRequest.WriteAsync(http, SubscriptionDocument.From(subscription), BillingJson.Default.SubscriptionDocument, StatusCodes.Status201Created).ConfigureAwait(false);
        }, adminOnly: true);

    /// <summary><c>{"customer", "ends_at"?}</c>: ends the running subscription (default now); 409 when none runs then.</summary>
    private static Task CancelAsync(HttpContext http, DashboardAuthenticator auth, BillingService billing, IKeelStore store, GatewayCatalog catalog, TimeProvider time) =>
        BillingRequest.RunAsync(http, auth, async caller =>
        {
            var body = await BillingRequest.ReadObjectAsync(http, catalog).ConfigureAwait(false);
            var customerId = await BillingRequest.CustomerAsync(http, store, caller, BillingRequest.Text(body, "customer", required: true)).ConfigureAwait(false);
            var endsAt = BillingRequest.Time(body, "ends_at") ?? time.GetUtcNow();
            var ended = await billing.CancelAsync(customerId, endsAt, http.RequestAborted).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Customer {customerId} has no subscription running at {endsAt:O}.");
            await BillingRequest.WriteAsync(http, SubscriptionDocument.From(ended), BillingJson.Default.SubscriptionDocument).ConfigureAwait(false);
        }, adminOnly: true);
}
