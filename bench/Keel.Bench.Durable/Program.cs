using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Keel.Bench.Durable;

// Durable-step bench: what a journaled step with a ~1 KB result costs, in time and in stored bytes, with the
// method of the LangGraph and DBOS peers (../shared/bench/peers): N (=12) sequential steps per task, T (=200) tasks
// one after another per rep after W (=20) warm-up tasks, a fresh SQLite file per rep; bytes = growth of the main
// file after a TRUNCATE WAL checkpoint over the measured steps.
// Usage: dotnet run -c Release --project bench/Keel.Bench.Durable [-- --quick | --steps=12 --tasks=200 --reps=5
//        --warmup=20 --payload=1024 --modes=inline,pool --sync=NORMAL,FULL
//        --variants=shipped,page4k+withoutrowid,page4k,withoutrowid --results=DIR --label=NAME --work=DIR --keep]
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var options = BenchOptions.Parse(args);
var started = DateTimeOffset.UtcNow;
var total = Stopwatch.StartNew();
var release = IsRelease();
Console.WriteLine($"# Keel durable-step bench ({started:yyyy-MM-dd HH:mm} UTC)");
Console.WriteLine();
Console.WriteLine($"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} logical CPUs, server GC {System.Runtime.GCSettings.IsServerGC}, Release {release}");
Console.WriteLine($"{options.Steps} steps x {options.PayloadBytes} B per task, {options.Tasks} tasks per rep after {options.Warmup} warm-up tasks, {options.Reps} reps; modes {string.Join(",", options.Modes)}; synchronous {string.Join(",", options.Synchronous)}");
Console.WriteLine();

// JIT warm-up for the whole process (tiered compilation promotes hot code after a delay), discarded.
Console.Error.WriteLine("process warm-up");
foreach (var mode in options.Modes)
{
    await DurableRun.RunAsync(options with { Tasks = 100, Warmup = 20 }, mode, "NORMAL", options.Variants[0], rep: 0);
}

var runs = new List<RunResult>();
for (var rep = 1; rep <= options.Reps; rep++)
{
    foreach (var mode in options.Modes)
    {
        foreach (var (synchronous, variant) in options.Synchronous.SelectMany(s => options.Variants.Select(v => (s, v))))
        {
            var r = await DurableRun.RunAsync(options, mode, synchronous, variant, rep);
            runs.Add(r);
            Console.Error.WriteLine($"rep{rep} {mode,-6} {synchronous,-6} {variant,-7} step p50 {r.StepP50,7:0.0} p99 {r.StepP99,8:0.0} µs  mean {r.UsPerStepMean,7:0.0} µs/step  marginal {r.UsPerStepMarginal,7:0.0}  {r.UsPerTask / 1000,6:0.00} ms/task  empty {r.UsPerEmptyTask,6:0} µs  cpu {r.CpuUsPerStep,6:0.0} µs/step  gc {r.GcCount} ({r.GcPauseUsPerStep:0.0} µs/step)  {r.BytesPerStep,6:0} B/step");
        }
    }
}

var summary = runs.GroupBy(r => (r.Mode, r.Synchronous, r.Variant)).Select(g => Summary.Of([.. g])).ToList();

Console.WriteLine($"## Per step, median over {options.Reps} reps (µs; B)");
Console.WriteLine();
Console.WriteLine("| mode | synchronous | store | step p50 | step p99 | mean (wall / steps) | marginal (per-task cost out) | per task | per empty task | CPU per step | B/step |");
Console.WriteLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var s in summary)
{
    Console.WriteLine($"| {s.Mode} | {s.Synchronous} | {s.Variant} | {s.StepP50:0.0} | {s.StepP99:0.0} | {s.UsPerStepMean:0.0} | {s.UsPerStepMarginal:0.0} | {s.UsPerTask:0} | {s.UsPerEmptyTask:0} | {s.CpuUsPerStep:0.0} | {s.BytesPerStep:0} |");
}

if (summary.FirstOrDefault(s => s.Mode == "pool" && s.Variant == "shipped") is { } pooled)
{
    Console.WriteLine();
    Console.WriteLine($"Pool ({pooled.Synchronous}): submit {pooled.UsPerSubmit:0} µs/task, claim + run {pooled.UsPerClaimAndRun:0} µs/task (inline: {summary.FirstOrDefault(s => s.Mode == "inline" && s.Synchronous == pooled.Synchronous && s.Variant == "shipped")?.UsPerTask:0} µs/task)");
}

foreach (var first in runs.Where(r => r.Rep == 1 && r.Mode == options.Modes[0] && r.Synchronous == options.Synchronous[0]))
{
    var steps = first.Tasks * first.StepsPerTask;
    Console.WriteLine();
    Console.WriteLine($"## Where the bytes go: {first.Variant} store ({first.Mode}, {first.Synchronous}, rep 1; growth per B-tree over the measured steps; page size {first.PageSize}, journal_mode {first.JournalMode})");
    Console.WriteLine();
    Console.WriteLine("| table or index | B/step | of which overflow pages |");
    Console.WriteLine("|---|---:|---:|");
    foreach (var (name, grown) in first.BtreeBytesGrown)
    {
        Console.WriteLine($"| {name} | {(double)grown / steps:0} | {(double)first.OverflowBytesGrown.GetValueOrDefault(name) / steps:0} |");
    }

    Console.WriteLine($"| (whole file) | {first.BytesPerStep:0} | |");
    Console.WriteLine();
    Console.WriteLine($"Rows after rep 1: {string.Join(", ", first.Rows.Select(kv => $"{kv.Key} {kv.Value}"))}");
}

Directory.CreateDirectory(options.Results);
var output = Path.Combine(options.Results, $"durable-keel-{(options.Label is { } label ? label + "-" : "")}{started:yyyy-MM-ddTHH-mm-ss}Z.json");
var meta = new
{
    when = started, runtime = RuntimeInformation.FrameworkDescription, os = RuntimeInformation.OSDescription, cpus = Environment.ProcessorCount, release,
    options.Steps, options.Tasks, options.Reps, options.Warmup, options.PayloadBytes, options.Modes, options.Synchronous, options.Variants,
};
await File.WriteAllTextAsync(output, JsonSerializer.Serialize(new { meta, runs, summary }, Summary.Json));
Console.WriteLine();
Console.WriteLine($"Total run time: {total.Elapsed.TotalSeconds:0} s; wrote {output}");

static bool IsRelease()
{
#if DEBUG
    return false;
#else
    return true;
#endif
}
