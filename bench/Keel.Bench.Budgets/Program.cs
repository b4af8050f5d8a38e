using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Keel.Bench.Budgets;

// Budgets bench: contention on one budget, and the latency admission and settlement add to a call.
// Usage: dotnet run -c Release --project bench/Keel.Bench.Budgets [-- --quick]
var quick = args.Contains("--quick");
var seconds = quick ? 1 : 5;
var reps = quick ? 1 : 3;
var admissionCalls = quick ? 10_000 : 100_000;
var gatewayCalls = quick ? 500 : 5_000;
var streamCalls = quick ? 200 : 2_000;
var total = Stopwatch.StartNew();
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

Console.WriteLine($"# Keel budgets bench ({DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC)");
Console.WriteLine();
Console.WriteLine($"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} logical CPUs, server GC {System.Runtime.GCSettings.IsServerGC}, Release {!Debugger.IsAttached && IsRelease()}");
Console.WriteLine();

Console.Error.WriteLine("(a) contention on one budget");
var contention = await Contention.RunAsync([1, 2, 4, 8], TimeSpan.FromSeconds(seconds), reps);
Console.WriteLine($"## (a) Reservations per second on one budget ({seconds} s per rep, median of {reps} reps; reserve + settle = 1)");
Console.WriteLine();
Console.WriteLine("| threads | median reservations/s | reps | vs 1 thread |");
Console.WriteLine("|---:|---:|---|---:|");
var single = Stats.Median(contention[0].Reps);
foreach (var (threads, perRep) in contention)
{
    var median = Stats.Median(perRep);
    Console.WriteLine($"| {threads} | {median:N0} | {string.Join(" / ", perRep.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} | {median / single:0.00}x |");
}

Console.WriteLine();
Console.Error.WriteLine("(b) admission latency alone");
var admission = await AdmissionLatency.RunAsync(admissionCalls);
Console.WriteLine($"## (b1) Admission + settlement alone, {admissionCalls:N0} sequential calls (µs)");
Console.WriteLine();
Console.WriteLine("| what | p50 | p99 | mean |");
Console.WriteLine("|---|---:|---:|---:|");
foreach (var row in admission)
{
    Console.WriteLine($"| {row.Name} | {row.P50Micros:0.00} | {row.P99Micros:0.00} | {row.MeanMicros:0.00} |");
}

Console.WriteLine();
Console.Error.WriteLine("(b) gateway end to end");
Console.WriteLine("## (b2) Gateway end to end against the in-process mock, sequential, alternating customers (µs)");
Console.WriteLine();
Console.WriteLine("| calls per side | answer | p50 no budget | p50 budget | p50 added | p99 no budget | p99 budget | p99 added | mean added |");
Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
foreach (var (stream, calls) in new[] { (false, gatewayCalls), (true, streamCalls) })
{
    var (without, with) = await GatewayLatency.RunAsync(calls, warmup: calls / 10, stream);
    Console.WriteLine($"| {calls:N0} | {(stream ? "streamed" : "whole")} | {without.P50Micros:0} | {with.P50Micros:0} | {with.P50Micros - without.P50Micros:+0;-0;0} ({(with.P50Micros / without.P50Micros - 1) * 100:+0.0;-0.0;0.0} %) | {without.P99Micros:0} | {with.P99Micros:0} | {with.P99Micros - without.P99Micros:+0;-0;0} | {with.MeanMicros - without.MeanMicros:+0;-0;0} |");
}

Console.WriteLine();
Console.WriteLine($"Total run time: {total.Elapsed.TotalSeconds:0} s");

static bool IsRelease()
{
#if DEBUG
    return false;
#else
    return true;
#endif
}
