using Keel.Billing;
using Keel.Billing.Margins;
using Keel.Billing.Plans;
using Keel.Storage;

namespace Keel.Samples.Demo;

/// <summary>
/// The demo's two billed customers: <c>acme</c> (support agent) pays per successful outcome on graduated tiers plus
/// model cost at a markup; <c>globex</c> (research agent) pays per task with a monthly minimum commitment. They are
/// subscribed from the start of the current month at the start of the demo; at the end the ledger is synced from
/// the demo's tasks and outcomes and both draft invoices of the month are computed.
/// </summary>
public static class BillingDemo
{
    public const string Currency = "USD";

    /// <summary>Per successful outcome: the first 10 at 1.50, the next 15 at 1.20, the rest at 0.90; model cost +20 %.</summary>
    public static Plan OutcomePlan { get; } = new("demo-outcomes", 1, "Outcomes", Currency,
    [
        new PriceComponent("resolved", "Resolved refund requests", BillableMetrics.OutcomeSuccess,
            new Graduated([new PriceTier(10, 1.50m), new PriceTier(25, 1.20m), new PriceTier(null, 0.90m)])),
        new PriceComponent("model", "Model usage at cost +20%", BillableMetrics.ModelCost, new CostPassThrough(20)),
    ]);

    /// <summary>Per task started at 0.40, with a minimum commitment of 25.00 a month.</summary>
    public static Plan TaskPlan { get; } = new("demo-tasks", 1, "Tasks", Currency,
    [
        new PriceComponent("tasks", "Research tasks", BillableMetrics.TaskStarted, new PerUnit(0.40m)),
    ])
    {
        MinimumCommitment = 25m,
    };

    /// <summary>Which demo customer is on which plan.</summary>
    public static IReadOnlyList<(string Customer, Plan Plan)> Customers { get; } = [("acme", OutcomePlan), ("globex", TaskPlan)];

    /// <summary>
    /// Adds the plans (a no-op when they are there), opens the accounts and subscribes each customer from the start of
    /// the month, unless it already has a running subscription (a demo run again on the same database).
    /// </summary>
    /// <param name="customerIds">Customer ids by name.</param>
    public static async Task SubscribeAsync(IKeelStore store, IReadOnlyDictionary<string, string> customerIds, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customerIds);
        var now = (time ?? TimeProvider.System).GetUtcNow();
        var billing = new BillingService(store);
        foreach (var (name, plan) in Customers)
        {
            if (!customerIds.TryGetValue(name, out var customerId))
            {
                continue;
            }

            await billing.AddPlanAsync(plan, cancellationToken).ConfigureAwait(false);
            await billing.OpenAccountAsync(customerId, plan.Currency, cancellationToken).ConfigureAwait(false);
            var subscriptions = await billing.ListSubscriptionsAsync(customerId, cancellationToken).ConfigureAwait(false);
            if (!subscriptions.Any(s => s.EndsAt is null || s.EndsAt > now))
            {
                await billing.SubscribeAsync(customerId, plan.Id, plan.Version, BillingPeriod.MonthOf(now).Start, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Derives billable events from the tasks and outcomes so far, computes this month's draft invoice of each demo
    /// customer (a finalized one is shown as it is) and their margins.
    /// </summary>
    public static async Task<BillingDemoReport> ReportAsync(IKeelStore store, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var period = BillingPeriod.MonthOf((time ?? TimeProvider.System).GetUtcNow());
        var billing = new BillingService(store);
        await billing.SyncFromTasksAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var invoices = new List<BilledCustomer>();
        foreach (var (name, _) in Customers)
        {
            var customer = await store.FindCustomerAsync(name, cancellationToken).ConfigureAwait(false);
            if (customer is null || await billing.GetAccountAsync(customer.Id, cancellationToken).ConfigureAwait(false) is null)
            {
                continue;
            }

            Invoice invoice;
            try
            {
                invoice = await billing.ComputeDraftAsync(customer.Id, period, cancellationToken).ConfigureAwait(false);
            }
            catch (InvoiceImmutableException)
            {
                invoice = (await store.FindInvoiceAsync(customer.Id, period.Start, period.End, cancellationToken).ConfigureAwait(false))!;
            }

            invoices.Add(new BilledCustomer(name, invoice));
        }

        var margins = await billing.MarginAsync(period, cancellationToken: cancellationToken).ConfigureAwait(false);
        var ids = invoices.Select(i => i.Invoice.CustomerId).ToHashSet(StringComparer.Ordinal);
        return new BillingDemoReport(period, invoices, [.. margins.ByCustomer.Where(r => ids.Contains(r.CustomerId))]);
    }
}

/// <summary>One demo customer's invoice of the month.</summary>
public sealed record BilledCustomer(string Name, Invoice Invoice);

/// <summary>What the demo billed: each customer's draft invoice of the month and its margin.</summary>
public sealed record BillingDemoReport(BillingPeriod Period, IReadOnlyList<BilledCustomer> Invoices, IReadOnlyList<MarginRow> Margins);
