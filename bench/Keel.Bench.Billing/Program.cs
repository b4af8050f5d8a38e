using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Keel.Bench.Billing;
using Keel.Billing;
using Keel.Billing.Invoicing;
using Keel.Storage.Sqlite;

// Billing bench (issue 8): rating throughput on the embedded store. 1,000 customers on five realistic plans, 10 million
// billable events ingested in batches through the store's exactly-once path, all 1,000 draft invoices computed, then
// finalized (numbers checked gapless); and the same events through the pure rater alone, to show where the time goes.
// Usage: dotnet run -c Release --project bench/Keel.Bench.Billing [-- --events N --customers N --batch 1000
//        --single 20000 --breakdown 50 --work DIR --results DIR --keep]
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var options = BenchOptions.Parse(args);
var period = BillingPeriod.Month(2026, 4);
var started = DateTimeOffset.UtcNow;
var release = typeof(BillingService).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false).OfType<DebuggableAttribute>().All(d => !d.IsJITOptimizerDisabled);
var command = "dotnet Keel.Bench.Billing.dll " + string.Join(' ', args);
Console.WriteLine($"# Keel billing bench ({started:yyyy-MM-dd HH:mm} UTC)");
Console.WriteLine();
Console.WriteLine($"command: {command}");
Console.WriteLine($"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} logical CPUs, load {Load()}, Release {release}");
Console.WriteLine($"{options.Customers:N0} customers x {options.EventsPerCustomer:N0} events = {options.EventsPerCustomer * options.Customers:N0} events in {period}, batches of {options.Batch:N0}");
Console.WriteLine();

Directory.CreateDirectory(options.WorkFolder);
var dbPath = Path.Combine(options.WorkFolder, "billing.db");
foreach (var file in Directory.GetFiles(options.WorkFolder))
{
    File.Delete(file);
}

var billingOptions = new BillingOptions
{
    UsdExchangeRates = new Dictionary<string, decimal> { ["EUR"] = BenchPlans.EurPerUsd },
    TimeProvider = new FixedClock(period.End.AddDays(10)),
};
var total = Stopwatch.StartNew();
var store = await SqliteKeelStore.OpenAsync(dbPath);
var billing = new BillingService(store, billingOptions);

// Customers, accounts, plans and subscriptions.
var setupStart = Stopwatch.GetTimestamp();
foreach (var plan in BenchPlans.All)
{
    await billing.AddPlanAsync(plan);
}

var customers = new List<string>(options.Customers);
for (var c = 0; c < options.Customers; c++)
{
    var plan = BenchPlans.For(c);
    var id = (await store.EnsureCustomerAsync(string.Create(CultureInfo.InvariantCulture, $"bench-{c:D5}"))).Id;
    await billing.OpenAccountAsync(id, plan.Currency);
    await billing.SubscribeAsync(id, plan.Id, plan.Version, period.Start);
    customers.Add(id);
}

var setupSeconds = Stats.Seconds(setupStart, Stopwatch.GetTimestamp());
Console.Error.WriteLine($"set-up: {customers.Count:N0} customers in {setupSeconds:F1} s; ingesting");

var ingest = await Ingestion.RunAsync(store, options, () => new EventStream(options, period, customers), customers.Count);
using var storeFile = new StoreFile(dbPath);
var rows = storeFile.Count("SELECT count(*) FROM billing_events");
var bytes = storeFile.CheckpointedBytes();
Console.Error.WriteLine($"ingested {ingest.Events:N0} in {ingest.Seconds:F1} s; file {bytes / 1e6:F0} MB; drafts");

var drafts = await Invoicing.DraftsAsync(billing, customers, period);
Console.Error.WriteLine("breakdown");
var breakdown = await Invoicing.BreakdownAsync(store, billing, customers, options.Breakdown, period, BenchPlans.For);
Console.Error.WriteLine("finalizing");
var finals = await Invoicing.FinalizeAsync(billing, customers, period);
var check = await Invoicing.CheckAsync(store, storeFile, customers.Count);
var storedTotals = (await store.ListInvoicesAsync()).ToDictionary(i => i.CustomerId, i => i.Total, StringComparer.Ordinal);
var bytesAfter = storeFile.CheckpointedBytes();
Console.Error.WriteLine("rater alone");
var rater = RaterOnly.Run(new EventStream(options, period, customers), customers, period, storedTotals);
await store.DisposeAsync();
Console.Error.WriteLine("single events");
var single = options.Single > 0 ? await SingleEvents.RunAsync(options, period) : null;
Console.Error.WriteLine("insert what-if");
var whatIf = options.WhatIf > 0 ? await InsertWhatIf.RunAsync(options, period, Math.Max(options.WhatIf, options.Customers)) : [];
total.Stop();

var perInvoiceEvents = options.EventsPerCustomer;
Console.WriteLine("## Ingestion (IKeelStore.AddBillableEventsAsync, idempotency key looked up per event)");
Console.WriteLine();
Console.WriteLine("| events | seconds | **events/s** | batch p50 | batch p95 | batch p99 | store file | bytes/event |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
Console.WriteLine($"| {ingest.Events:N0} | {ingest.Seconds:F1} | **{ingest.EventsPerSecond:N0}** | {ingest.BatchP50Ms:F1} ms | {ingest.BatchP95Ms:F1} ms | {ingest.BatchP99Ms:F1} ms | {bytes / 1e6:N0} MB | {(double)bytes / rows:F0} |");
Console.WriteLine();
Console.WriteLine($"events/s per tenth of the run: {string.Join(", ", ingest.RatePerTenth.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))}");
Console.WriteLine($"rows in billing_events: {rows:N0}; resubmitted {ingest.Duplicates:N0} events (same keys): 0 created, {ingest.DuplicateEventsPerSecond:N0}/s");
if (single is not null)
{
    Console.WriteLine($"one at a time through BillingService.RecordEventAsync (own transaction each): {single.Events:N0} events, {single.EventsPerSecond:N0}/s, p50 {single.P50Ms * 1000:F0} µs, p95 {single.P95Ms * 1000:F0} µs");
}

foreach (var w in whatIf)
{
    Console.WriteLine($"what-if, same schema, raw connection, {w.Events:N0} events: {w.Variant}: {w.EventsPerSecond:N0}/s");
}

Console.WriteLine();
Console.WriteLine($"## Invoices ({perInvoiceEvents:N0} events each)");
Console.WriteLine();
Console.WriteLine("| phase | invoices | seconds | **invoices/s** | p50 | p95 | max |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
Console.WriteLine($"| draft (ComputeDraftAsync) | {drafts.Invoices:N0} | {drafts.Seconds:F1} | **{drafts.InvoicesPerSecond:F1}** | {drafts.P50Ms:F1} ms | {drafts.P95Ms:F1} ms | {drafts.MaxMs:F1} ms |");
Console.WriteLine($"| finalize (FinalizeAsync: recompute + number + stamp events) | {finals.Invoices:N0} | {finals.Seconds:F1} | **{finals.InvoicesPerSecond:F1}** | {finals.P50Ms:F1} ms | {finals.P95Ms:F1} ms | {finals.MaxMs:F1} ms |");
Console.WriteLine();
Console.WriteLine($"finalized {check.Finalized:N0}: numbers {check.FirstNumber}..{check.LastNumber}, gapless {check.Gapless} (counter agrees); events left unbilled {check.UnbilledEvents:N0}; every total = sum of its lines: {check.TotalsEqualLines}; file after finalizing {bytesAfter / 1e6:N0} MB");
Console.WriteLine();
Console.WriteLine($"## Where a draft's time goes (median of {breakdown.Customers} customers, ms)");
Console.WriteLine();
Console.WriteLine("| read the ledger (ListBillableEventsAsync) | resolve corrections/voids | rate | whole recompute (ComputeDraftAsync) | rest: accounts, invoices, save lines + event links |");
Console.WriteLine("|---:|---:|---:|---:|---:|");
Console.WriteLine($"| {breakdown.ReadMs:F1} | {breakdown.ResolveMs:F1} | {breakdown.RateMs:F2} | {breakdown.DraftMs:F1} | {Math.Max(0, breakdown.DraftMs - breakdown.ReadMs - breakdown.ResolveMs - breakdown.RateMs):F1} |");
Console.WriteLine();
Console.WriteLine("## The rater alone (InvoiceRater.Rate on the same events in memory)");
Console.WriteLine();
Console.WriteLine($"{rater.Events:N0} events in {rater.Seconds:F2} s: **{rater.EventsPerSecond:N0} events/s**; per invoice p50 {rater.P50Ms:F2} ms, p95 {rater.P95Ms:F2} ms; totals different from the stored invoices: {rater.Mismatches}");
Console.WriteLine();
Console.WriteLine($"whole run {total.Elapsed.TotalMinutes:F1} min; load at the end {Load()}");

var ok = check.Gapless && check.UnbilledEvents == 0 && check.TotalsEqualLines && rater.Mismatches == 0 && rows == ingest.Events;
if (options.Results is { } results)
{
    Directory.CreateDirectory(results);
    var json = Path.Combine(results, $"billing-{started:yyyy-MM-ddTHH-mm-ssZ}.json");
    await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new
    {
        started, command, cpus = Environment.ProcessorCount, framework = RuntimeInformation.FrameworkDescription, release, options = new { options.Events, options.Customers, options.Batch, options.Single },
        setupSeconds, ingest, storeBytes = bytes, storeBytesAfterFinalize = bytesAfter, rows, drafts, finals, check, breakdown, rater, single, whatIf, ok,
    }, new JsonSerializerOptions { WriteIndented = true }));
    Console.Error.WriteLine($"json: {json}");
}

if (!options.Keep)
{
    Directory.Delete(options.WorkFolder, recursive: true);
}

return ok ? 0 : 1;

static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
