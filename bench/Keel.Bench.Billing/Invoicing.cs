using System.Diagnostics;
using Keel.Billing;
using Keel.Billing.Invoicing;
using Keel.Billing.Ledger;
using Keel.Billing.Plans;
using Keel.Billing.Rating;
using Keel.Storage;

namespace Keel.Bench.Billing;

internal sealed record PhaseResult(int Invoices, double Seconds, double InvoicesPerSecond, double P50Ms, double P95Ms, double MaxMs);

/// <summary>Medians over a sample of customers of the parts of one draft: read the ledger, resolve, rate, and the rest (mostly the save).</summary>
internal sealed record DraftBreakdown(int Customers, double ReadMs, double ResolveMs, double RateMs, double DraftMs);

internal sealed record FinalizeCheck(int Finalized, long FirstNumber, long LastNumber, bool Gapless, long UnbilledEvents, bool TotalsEqualLines);

/// <summary>Draft invoices for every customer, then finalized, each timed on its own; then the checks.</summary>
internal static class Invoicing
{
    public static async Task<PhaseResult> DraftsAsync(BillingService billing, IReadOnlyList<string> customers, BillingPeriod period) =>
        await TimedAsync(customers, c => billing.ComputeDraftAsync(c, period)).ConfigureAwait(false);

    public static async Task<PhaseResult> FinalizeAsync(BillingService billing, IReadOnlyList<string> customers, BillingPeriod period) =>
        await TimedAsync(customers, c => billing.FinalizeAsync(c, period)).ConfigureAwait(false);

    /// <summary>Takes drafts apart for evenly spaced customers: the same calls <c>ComputeDraftAsync</c> makes, timed one by one.</summary>
    public static async Task<DraftBreakdown> BreakdownAsync(IKeelStore store, BillingService billing, IReadOnlyList<string> customers, int sample,
        BillingPeriod period, Func<int, Plan> planOf)
    {
        var read = new List<double>();
        var resolve = new List<double>();
        var rate = new List<double>();
        var draft = new List<double>();
        var step = Math.Max(1, customers.Count / Math.Max(1, sample));
        for (var i = 0; i < customers.Count && read.Count < sample; i += step)
        {
            var plan = planOf(i);
            var t0 = Stopwatch.GetTimestamp();
            var events = await store.ListBillableEventsAsync(new BillableEventQuery(customers[i])).ConfigureAwait(false);
            var t1 = Stopwatch.GetTimestamp();
            var net = NetEventResolver.Resolve(events);
            var t2 = Stopwatch.GetTimestamp();
            var metered = net.Where(n => !n.Billed && !n.Voided && period.Contains(n.Timestamp))
                .Select(n => new MeteredEvent(n.Id, n.Usage.Metric, n.Quantity,
                    n.Usage.Metric == BillableMetrics.ModelCost && n.Value is { } usd ? billing.Options.FromUsd(usd, plan.Currency) : n.Value, n.Timestamp));
            InvoiceRater.Rate(new RatingRequest(plan.Currency, period.Start, period.End, [new PlanInterval(plan, period.Start, period.End)], metered));
            var t3 = Stopwatch.GetTimestamp();
            await billing.ComputeDraftAsync(customers[i], period).ConfigureAwait(false);
            var t4 = Stopwatch.GetTimestamp();
            read.Add(Stats.Millis(t0, t1));
            resolve.Add(Stats.Millis(t1, t2));
            rate.Add(Stats.Millis(t2, t3));
            draft.Add(Stats.Millis(t3, t4));
        }

        return new DraftBreakdown(read.Count, Stats.Median(read), Stats.Median(resolve), Stats.Median(rate), Stats.Median(draft));
    }

    /// <summary>Every invoice finalized, numbered 1..N without a gap, every event billed by one, each total the sum of its lines.</summary>
    public static async Task<FinalizeCheck> CheckAsync(IKeelStore store, StoreFile file, int customers)
    {
        var invoices = await store.ListInvoicesAsync().ConfigureAwait(false);
        var numbers = invoices.Where(i => i.Status == InvoiceStatus.Finalized).Select(i => i.Number ?? 0).Order().ToList();
        var gapless = numbers.Count == customers && numbers.Select((n, i) => n == i + 1).All(x => x);
        // The counter itself, read from the table: no number was taken and lost.
        gapless &= file.Count("SELECT value FROM billing_counters WHERE name = 'invoice'") == numbers.Count;
        var unbilled = file.Count("SELECT count(*) FROM billing_events WHERE invoice_id IS NULL");
        var sums = invoices.All(i => i.Total == i.Lines.Sum(l => l.Amount));
        return new FinalizeCheck(numbers.Count, numbers.FirstOrDefault(), numbers.LastOrDefault(), gapless, unbilled, sums);
    }

    private static async Task<PhaseResult> TimedAsync(IReadOnlyList<string> customers, Func<string, Task<Invoice>> run)
    {
        var times = new List<double>(customers.Count);
        var start = Stopwatch.GetTimestamp();
        foreach (var customer in customers)
        {
            var t0 = Stopwatch.GetTimestamp();
            await run(customer).ConfigureAwait(false);
            times.Add(Stats.Millis(t0, Stopwatch.GetTimestamp()));
            if (times.Count % Math.Max(1, customers.Count / 10) == 0)
            {
                Console.Error.WriteLine($"  {times.Count:N0} invoices, p50 {Stats.Median(times):F1} ms");
            }
        }

        var seconds = Stats.Seconds(start, Stopwatch.GetTimestamp());
        return new PhaseResult(customers.Count, seconds, customers.Count / seconds, Stats.Median(times), Stats.Percentile(times, 0.95), times.Max());
    }
}
