using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Keel.Bench.Observability;

// Observability bench: span ingestion rate, dashboard page server times on a large database, and the storage of a
// growing context against full snapshots. Prints Markdown tables; writes the whole result as JSON.
// Usage: dotnet run -c Release --project bench/Keel.Bench.Observability [-- --quick | --tasks=100000 --reps=200 ...]
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var options = BenchOptions.Parse(args);
var total = Stopwatch.StartNew();
var stamp = DateTimeOffset.UtcNow;
var machine = $"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} logical CPUs, server GC {System.Runtime.GCSettings.IsServerGC}, load average at start {LoadAverage()}";
var work = Path.Combine(options.Cache, $"work-{Environment.ProcessId}");
var result = new Dictionary<string, object?>
{
    ["started_at"] = stamp,
    ["machine"] = machine,
    ["options"] = options,
};

Console.WriteLine($"# Keel observability bench ({stamp:yyyy-MM-dd HH:mm} UTC)");
Console.WriteLine();
Console.WriteLine(machine);
Console.WriteLine();

try
{
    if (options.Sections.Contains("context"))
    {
        Console.Error.WriteLine($"context storage: {options.ContextTasks} tasks of {options.ContextSteps} model steps");
        var context = await ContextStorage.RunAsync(options, Path.Combine(work, "context"));
        result["context"] = context;
        Report.Context(context);
    }

    if (options.Sections.Overlaps(["pages", "ingest", "otlp"]))
    {
        Console.Error.WriteLine($"seeding (or reusing) {options.Tasks:N0} tasks + a {options.LongSteps:N0}-step task");
        var seeded = await Seeder.EnsureAsync(options);
        result["seed"] = seeded;
        Console.Error.WriteLine(seeded.Cached ? $"  reusing {seeded.Path}" : $"  seeded in {seeded.Seconds:0} s: {seeded.Path}");
        var db = Seeder.Copy(seeded, work);
        result["seeded_file_bytes"] = new FileInfo(db).Length;
        if (options.CacheMb > 0)
        {
            var pages = Seeder.SetDefaultCache(db, options.CacheMb);
            Console.WriteLine($"What-if: page cache of {options.CacheMb} MB per connection ({pages:N0} pages of 8 KB, set as the file's default_cache_size).");
            Console.WriteLine();
        }

        await using var server = await BenchServer.StartAsync(db);
        if (options.Sections.Contains("pages"))
        {
            Console.Error.WriteLine("page server times");
            var (pages, walk, splits) = await PageTimes.RunAsync(server, db, seeded.LongTaskId, options);
            result["pages"] = pages;
            result["list_store_calls_ms"] = splits;
            result["walk_server_ms"] = new { pages = walk.Count, p50 = Stats.Median(walk), p95 = Stats.Percentile(walk, 0.95), max = walk.Max() };
            Report.Pages(pages, walk, splits, options, new FileInfo(db).Length);
        }

        if (options.Sections.Contains("ingest") || options.Sections.Contains("otlp"))
        {
            Console.Error.WriteLine("span ingestion");
            var (ingest, decodeMs) = await SpanIngestion.RunAsync(server, options, endpointOnly: !options.Sections.Contains("ingest"));
            result["ingest"] = ingest.Select(r => new { r.Path, r.How, r.Spans, r.Seconds, r.SpansPerSecond, r.P50Ms, r.P95Ms, r.StoreReadShare, r.StoreCommitShare, r.CpuSeconds, r.CpuMicrosPerSpan }).ToList();
            result["protobuf_decode_ms_per_512_spans"] = decodeMs;
            Report.Ingestion(ingest, decodeMs);
        }
    }
}
finally
{
    if (Directory.Exists(work))
    {
        Directory.Delete(work, recursive: true);
    }
}

result["seconds"] = total.Elapsed.TotalSeconds;
result["load_average_at_end"] = LoadAverage();
Directory.CreateDirectory(options.Results);
var json = Path.Combine(options.Results, $"observability-{stamp:yyyy-MM-ddTHH-mm-ssZ}.json");
await File.WriteAllTextAsync(json, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
Console.WriteLine();
Console.WriteLine($"Total run time: {total.Elapsed.TotalSeconds:0} s; load average at end {LoadAverage()}; raw: {json}");

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
