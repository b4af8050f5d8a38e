using System.Globalization;

namespace Keel.Bench.Observability;

/// <summary>The Markdown tables the bench prints, with each goal and whether it was met.</summary>
internal static class Report
{
    public const double IngestGoal = 50_000;
    public const double PageGoalMs = 200;
    public const double ContextGoal = 10;

    public static void Context(ContextStorage.Result r)
    {
        Console.WriteLine($"## Stored context: a {r.ModelSteps}-model-step task with a growing context");
        Console.WriteLine();
        Console.WriteLine($"{r.ModelSteps} model calls and {r.JournalSteps - r.ModelSteps} tool calls ({r.JournalSteps} journal steps) through the runtime; the first window holds {r.FirstContextEntries} entries ({r.FirstContextBytes:N0} B: request with tool definitions, instructions, the user's message), the last {r.LastContextEntries} ({r.LastContextBytes:N0} B); each call adds {r.NewBytesPerStep:N0} B on average (the model's answer with its tool call, and the tool's result).");
        Console.WriteLine();
        Console.WriteLine("| one task | bytes | per model step | vs full |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| full context at every model step (sum of each window's bytes) | {r.FullBytes:N0} | {r.FullBytes / (double)r.ModelSteps:N0} | 1x |");
        Console.WriteLine($"| Keel: message blobs ({r.Blobs:N0}, each stored once) | {r.BlobBytes:N0} | {r.BlobBytes / (double)r.ModelSteps:N0} | |");
        Console.WriteLine($"| Keel: snapshot hash lists (32 B per entry per window) | {r.SnapshotHashBytes:N0} | {r.SnapshotHashBytes / (double)r.ModelSteps:N0} | |");
        Console.WriteLine($"| Keel: snapshot ids (64 hex chars each) | {r.SnapshotIdBytes:N0} | {r.SnapshotIdBytes / (double)r.ModelSteps:N0} | |");
        Console.WriteLine($"| **Keel total** | **{r.KeelBytes:N0}** | **{r.KeelBytes / (double)r.ModelSteps:N0}** | **{r.Ratio:0.0}x smaller** |");
        Console.WriteLine($"| what-if: hash lists as parent id + added hashes | {r.BlobBytes + r.DeltaSnapshotBytes + r.SnapshotIdBytes:N0} | {(r.BlobBytes + r.DeltaSnapshotBytes + r.SnapshotIdBytes) / (double)r.ModelSteps:N0} | {r.FullBytes / (double)(r.BlobBytes + r.DeltaSnapshotBytes + r.SnapshotIdBytes):0.0}x |");
        Console.WriteLine($"| what-if: 8-byte blob ids instead of 32-byte hashes | {r.BlobBytes + r.RowidRefSnapshotBytes + r.SnapshotIdBytes:N0} | {(r.BlobBytes + r.RowidRefSnapshotBytes + r.SnapshotIdBytes) / (double)r.ModelSteps:N0} | {r.FullBytes / (double)(r.BlobBytes + r.RowidRefSnapshotBytes + r.SnapshotIdBytes):0.0}x |");
        Console.WriteLine();
        Console.WriteLine($"As SQLite pages, {r.Tasks} such tasks (same agent: instructions and tool definitions shared): Keel's blobs + context_snapshots B-trees grew {r.KeelPageBytes:N0} B ({r.KeelPageBytes / (double)(r.Tasks * r.ModelSteps):N0} B per model step); a table of one row per whole window holds {r.FullPageBytes:N0} B ({r.FullPageBytes / (double)(r.Tasks * r.ModelSteps):N0} B per model step): **{r.PageRatio:0.0}x**. The whole file grew {r.FileBytesGrown:N0} B ({r.FileBytesGrown / (double)(r.Tasks * r.JournalSteps):N0} B per journal step, spans, steps and usage included).");
        Console.WriteLine();
        var perStep = (double)(r.Tasks * r.ModelSteps);
        Console.WriteLine($"The same {r.Tasks} tasks' snapshot rows in other layouts (pages; blobs {r.BlobPageBytes:N0} B in every case):");
        Console.WriteLine();
        Console.WriteLine("| snapshot layout | snapshot pages | per model step | blobs + snapshots vs full-window table |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| as shipped: hash lists in a WITHOUT ROWID table | {r.SnapshotPageBytes:N0} | {r.SnapshotPageBytes / perStep:N0} | {r.FullPageBytes / (double)(r.BlobPageBytes + r.SnapshotPageBytes):0.0}x |");
        Console.WriteLine($"| what-if: the same rows in a rowid table | {r.RowidSnapshotPageBytes:N0} | {r.RowidSnapshotPageBytes / perStep:N0} | {r.FullPageBytes / (double)(r.BlobPageBytes + r.RowidSnapshotPageBytes):0.0}x |");
        Console.WriteLine($"| what-if: previous window's id + added hashes | {r.DeltaSnapshotPageBytes:N0} | {r.DeltaSnapshotPageBytes / perStep:N0} | {r.FullPageBytes / (double)(r.BlobPageBytes + r.DeltaSnapshotPageBytes):0.0}x |");
        Console.WriteLine();
        Console.WriteLine($"Goal: stored context at least {ContextGoal:0}x smaller than full snapshots: **{(r.Ratio >= ContextGoal ? "met" : "NOT met")}** ({r.Ratio:0.0}x for one task; {r.PageRatio:0.0}x in pages over {r.Tasks} tasks).");
        Console.WriteLine();
        Console.WriteLine("Page bytes grown, by B-tree: " + string.Join(", ", r.PageBytesByBtree.Select(kv => $"{kv.Key} {kv.Value:N0}")));
        Console.WriteLine();
    }

    public static void Pages(List<PageTimes.Row> rows, List<double> walk, List<PageTimes.Split> splits, BenchOptions options, long fileBytes)
    {
        Console.WriteLine($"## Page server times on {options.Tasks:N0} tasks ({fileBytes / 1e6:N0} MB file)");
        Console.WriteLine();
        Console.WriteLine("Server time = ASP.NET Core's request activity (request parsed to response written), admin token unless noted; client = the whole loopback round trip. Sequential requests.");
        Console.WriteLine();
        Console.WriteLine("| group | page | reps | server p50 ms | server p95 ms | server max ms | client p50 ms | bytes | answered |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in rows)
        {
            Console.WriteLine($"| {r.Group} | {r.Name} | {r.Reps} | {r.ServerP50:0.0} | {r.ServerP95:0.0} | {r.ServerMax:0.0} | {r.ClientP50:0.0} | {r.Bytes:N0} | {r.Check} |");
        }

        Console.WriteLine();
        Console.WriteLine("Where a slow list page's time goes (the store's calls alone, p50 ms; the page counts only when there is more than one page):");
        Console.WriteLine();
        Console.WriteLine("| page | ListTasksAsync (51 rows) | CountTasksAsync (cap 10,000) |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var split in splits)
        {
            Console.WriteLine($"| {split.Name} | {split.ListP50:0.0} | {split.CountP50:0.0} |");
        }

        Console.WriteLine();
        Console.WriteLine($"Walking the list 500 at a time ({walk.Count} pages, {walk.Count * 500:N0} tasks): server p50 {Stats.Median(walk):0.0} ms, p95 {Stats.Percentile(walk, 0.95):0.0} ms, max {walk.Max():0.0} ms.");
        Console.WriteLine();
        var judged = rows.Where(r => r.Group != "other pages").ToList();
        var over = judged.Where(r => r.ServerP95 >= PageGoalMs).ToList();
        Console.WriteLine($"Goal: task list, task and step pages under {PageGoalMs:0} ms server time (p95): **{(over.Count == 0 ? "met" : "NOT met")}**" +
            (over.Count == 0 ? $" (slowest p95: {judged.Max(r => r.ServerP95):0.0} ms, {judged.MaxBy(r => r.ServerP95)!.Name})." : $": over it: {string.Join("; ", over.Select(r => $"{r.Group} / {r.Name} {r.ServerP95:0} ms"))}."));
        var others = rows.Where(r => r.Group == "other pages" && r.ServerP95 >= PageGoalMs).ToList();
        if (others.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"Other pages over {PageGoalMs:0} ms: {string.Join("; ", others.Select(r => $"{r.Name} {r.ServerP95:0} ms"))}.");
        }

        Console.WriteLine();
    }

    public static void Ingestion(List<SpanIngestion.Row> rows, double decodeMs)
    {
        Console.WriteLine("## Span ingestion into the embedded store (on the seeded database)");
        Console.WriteLine();
        Console.WriteLine("| path | how | spans | seconds | spans/s | per request/batch p50 ms | p95 ms | store reads | store commits | CPU µs per span |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            Console.WriteLine($"| {r.Path} | {r.How} | {r.Spans:N0} | {r.Seconds:0.0} | {r.SpansPerSecond:N0} | {r.P50Ms:0.0} | {r.P95Ms:0.0} | {Share(r.StoreReadShare)} | {Share(r.StoreCommitShare)} | {(r.CpuMicrosPerSpan is { } cpu ? cpu.ToString("0.0", CultureInfo.InvariantCulture) : "")} |");
        }

        var otlp = rows.Where(r => r.Path.StartsWith("OTLP", StringComparison.Ordinal)).Max(r => r.SpansPerSecond);
        var store = rows.Where(r => r.Path.StartsWith("store", StringComparison.Ordinal) && !r.How.Contains("left out", StringComparison.Ordinal) && !r.How.Contains("time order", StringComparison.Ordinal)).Select(r => r.SpansPerSecond).DefaultIfEmpty().Max();
        Console.WriteLine();
        Console.WriteLine($"Decoding one 512-span protobuf request takes {decodeMs:0.00} ms (part of the OTLP/HTTP rows, not of the in-process ones).");
        Console.WriteLine();
        Console.WriteLine($"Goal: at least {IngestGoal:N0} spans/s ingested, judged on the OTLP endpoint (spans sent by exporters, stored as tasks, steps and spans): **{(otlp >= IngestGoal ? "met" : "NOT met")}** ({otlp:N0} spans/s){(store > 0 ? $"; the store alone takes {store:N0} spans/s for these traces as they arrive ({(store >= IngestGoal ? "met" : "NOT met")})" : "")}.");
        Console.WriteLine();
    }

    private static string Share(double? share) => share is { } s ? $"{s * 100:0} %" : "";
}
