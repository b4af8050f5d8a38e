using System.Diagnostics;
using System.Globalization;
using Keel.Billing;
using Keel.Billing.Invoicing;
using Keel.Billing.Plans;
using Keel.Storage.Sqlite;

namespace Keel.Bench.Billing;

internal sealed record SingleResult(int Events, double Seconds, double EventsPerSecond, double P50Ms, double P95Ms);

/// <summary>
/// The unbatched path, for comparison: events one at a time through <c>BillingService.RecordEventAsync</c> (what
/// <c>POST /v1/billing/events</c> does per event), each its own transaction, on a fresh store.
/// </summary>
internal static class SingleEvents
{
    public static async Task<SingleResult> RunAsync(BenchOptions options, BillingPeriod period)
    {
        var path = Path.Combine(options.WorkFolder, "single.db");
        await using var store = await SqliteKeelStore.OpenAsync(path);
        var billing = new BillingService(store, new BillingOptions { UsdExchangeRates = new Dictionary<string, decimal> { ["EUR"] = BenchPlans.EurPerUsd } });
        var plan = BenchPlans.All[0];
        await billing.AddPlanAsync(plan);
        var customer = (await store.EnsureCustomerAsync("single")).Id;
        await billing.OpenAccountAsync(customer, plan.Currency);
        var times = new List<double>(options.Single);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < options.Single; i++)
        {
            var e = new BillableEvent
            {
                Id = "",
                CustomerId = customer,
                IdempotencyKey = string.Create(CultureInfo.InvariantCulture, $"single-{i:D8}"),
                Metric = BillableMetrics.OutcomeSuccess,
                Timestamp = period.Start + TimeSpan.FromSeconds(i),
            };
            var t0 = Stopwatch.GetTimestamp();
            await billing.RecordEventAsync(e);
            times.Add(Stats.Millis(t0, Stopwatch.GetTimestamp()));
        }

        var seconds = Stats.Seconds(start, Stopwatch.GetTimestamp());
        return new SingleResult(options.Single, seconds, options.Single / seconds, Stats.Median(times), Stats.Percentile(times, 0.95));
    }
}
