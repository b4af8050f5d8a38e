using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Keel.Bench.Memory;
using Keel.Memory;
using Keel.Memory.Embeddings;
using Keel.Memory.Retrieval;
using Keel.Storage.Sqlite;
using Microsoft.Data.Sqlite;

// Memory scale bench (issue 7, "Scale"): 100,000 conversation turns in ONE scope, ingested through MemoryService.AddAsync
// with the local MiniLM embeddings, then >= 500 queries (paraphrases of stored turns and unrelated questions) searched
// with hybrid retrieval over an exact scan and over the HNSW index, with and without embedding the query, plus the
// BM25 and vector signals alone; recall@k of the index against the exact scan on the same queries.
// Usage: dotnet Keel.Bench.Memory.dll [--memories N] [--queries N] [--warmup N] [--batch N] [--k 10] [--seed N] [--embed-whatif N]
//        [--reuse-db FILE] [--work DIR] [--results DIR]      (bench/memory/run.sh builds Release and runs it)
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var options = BenchOptions.Parse(args);
var started = DateTimeOffset.UtcNow;
var release = typeof(MemoryService).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false).OfType<DebuggableAttribute>().All(d => !d.IsJITOptimizerDisabled);
var command = "bench/memory/run.sh " + string.Join(' ', args.Where(a => a is not "--results" && !a.Contains("bench/results/raw", StringComparison.Ordinal)));
var loadAtStart = Ingestion.Load();
var total = Stopwatch.StartNew();
var scope = new MemoryScope("bench", userId: "user-1", agentId: "assistant");
var filter = new MemoryFilter(scope);

Console.Error.WriteLine($"memory bench: {options.Memories:N0} memories, {options.Queries} queries (+{options.Warmup} warm-up), k {options.K}; load {loadAtStart}");
var corpusStart = Stopwatch.GetTimestamp();
var corpus = Corpus.Generate(options.Memories, options.Seed);
Console.Error.WriteLine($"corpus: {corpus.Count:N0} distinct turns in {corpus.Select(t => t.SessionId).Distinct().Count():N0} sessions ({Stats.Seconds(corpusStart, Stopwatch.GetTimestamp()):F1} s); e.g. \"{corpus[7].Text}\"");

var dbPath = options.ReuseDb ?? Path.Combine(options.WorkFolder, "memory.db");
if (options.ReuseDb is null)
{
    Directory.CreateDirectory(options.WorkFolder);
    foreach (var file in Directory.GetFiles(options.WorkFolder, "memory.db*"))
    {
        File.Delete(file);
    }
}

await using var store = await SqliteKeelStore.OpenAsync(dbPath);
var embeddings = new BenchEmbeddings(new MiniLmEmbeddingGenerator());
var defaults = new MemoryOptions();
var exact = new MemoryService(store, embeddings, new MemoryOptions { ApproximateThreshold = int.MaxValue, ScopeCacheLifetime = TimeSpan.FromHours(2) });
var approximateThreshold = Math.Min(defaults.ApproximateThreshold, options.Memories);
var approximate = new MemoryService(store, embeddings, new MemoryOptions { ApproximateThreshold = approximateThreshold, ScopeCacheLifetime = TimeSpan.FromHours(2) });

// Ingest, unless the reused database already holds this corpus.
var existing = await store.CountMemoriesAsync(filter);
IngestResult? ingest = null;
if (existing == 0)
{
    Console.Error.WriteLine($"ingesting into {dbPath} in calls of {options.Batch} (MiniLM batches of {exact.Options.EmbeddingBatchSize})");
    ingest = await Ingestion.RunAsync(exact, embeddings, scope, corpus, options.Batch);
}
else if (existing != corpus.Count)
{
    Console.Error.WriteLine($"{dbPath} holds {existing:N0} memories in the bench's scope, not {corpus.Count:N0}: use the same --memories and --seed, or another file.");
    return 2;
}
else
{
    Console.Error.WriteLine($"reusing {dbPath}: {existing:N0} memories already ingested");
}

var loadAfterIngest = Ingestion.Load();
var (fileBytes, rows, vectors) = FileFacts(dbPath);

// Queries: 60% paraphrase a stored fact turn, 40% ask about things no memory mentions; the warm-up ones are distinct.
var random = new Random(options.Seed + 1);
var used = new HashSet<string>(StringComparer.Ordinal);
var warmup = Corpus.Queries(corpus, options.Warmup, 0.6, random, used);
var queries = Corpus.Queries(corpus, options.Queries, 0.6, random, used);
var keyByText = (await store.ListMemoriesAsync(filter, int.MaxValue)).ToDictionary(m => m.Text, m => m.Key, StringComparer.Ordinal);
var targets = queries.ConvertAll(q => q.TargetText is null ? (long?)null : keyByText[q.TargetText]);
embeddings.Reset();
var embedStart = Stopwatch.GetTimestamp();
await embeddings.PrecomputeAsync([.. warmup.Concat(queries).Select(q => q.Text)]);
var paraphraseExample = queries.First(q => q.TargetText is not null).Text;
var unrelatedExample = queries.First(q => q.TargetText is null).Text;
var queryEmbedSeconds = Stats.Seconds(embedStart, Stopwatch.GetTimestamp());
Console.Error.WriteLine($"queries: {queries.Count} timed ({targets.Count(t => t is not null)} paraphrases), {warmup.Count} warm-up; embedded in {queryEmbedSeconds:F1} s; e.g. \"{paraphraseExample}\" / \"{unrelatedExample}\"");

// Cold: the first search of each service reads the scope (rows and vectors) into its cache; the HNSW one builds its index.
embeddings.UsePrecomputed = true;
var coldExact = await ColdAsync(exact);
var coldApproximate = await ColdAsync(approximate);
// The index is built (or loaded from <db>.memory/) in the background while searches scan exactly: search until it answers.
var indexWait = await IndexReadyAsync(approximate);
var approximateUsed = (await approximate.SearchAsync(new MemoryQuery(filter, queries[0].Text, options.K))).Approximate;
var exactUsed = (await exact.SearchAsync(new MemoryQuery(filter, queries[0].Text, options.K))).Approximate;
GC.Collect();
var workingSetMb = Environment.WorkingSet / 1e6;
Console.Error.WriteLine($"HNSW index ready {indexWait.Seconds:F1} s after the first search ({indexWait.CpuSeconds:F1} s CPU); {indexWait.Searches} searches meanwhile, max {indexWait.MaxMs:F1} ms, p50 {indexWait.P50Ms:F1} ms");
Console.Error.WriteLine($"cold first search: exact {coldExact.Seconds:F1} s ({coldExact.CpuSeconds:F1} s CPU), HNSW {coldApproximate.Seconds:F1} s ({coldApproximate.CpuSeconds:F1} s CPU) (approximate used: {approximateUsed}, exact service approximate: {exactUsed}); working set {workingSetMb:F0} MB");

var probes = Searches.Probes(exact, approximate, store, embeddings, filter, options.K);
var results = await Searches.RunAsync(probes, embeddings, warmup, queries);
var loadAtEnd = Ingestion.Load();
var whatIf = options.EmbedWhatIf > 0 ? EmbedWhatIf.Run(corpus, Math.Min(options.EmbedWhatIf, corpus.Count)) : [];
total.Stop();

// Report (Markdown on stdout).
ProbeResult R(int i) => results[i];
var hybridRecall = Searches.Recall(R(3), R(1));
var vectorRecall = Searches.Recall(R(5), R(4));
var goal = R(2).P95;
Console.WriteLine($"## Scale ({corpus.Count:N0} memories in one scope)");
Console.WriteLine();
Console.WriteLine($"Run {started:yyyy-MM-dd HH:mm} UTC: `{command}`");
Console.WriteLine($"({RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} logical CPUs, shared with other engineers' builds and tests: load average {loadAtStart} at the start, {loadAfterIngest} after ingestion, {loadAtEnd} at the end; Release {release}; whole run {total.Elapsed.TotalMinutes:F1} min.)");
Console.WriteLine();
Console.WriteLine($"**Corpus.** {corpus.Count:N0} distinct conversation turns (seed {options.Seed}) in {corpus.Select(t => t.SessionId).Distinct().Count():N0} sessions over two years, all in the scope `{scope}`, stored as episodic memories with their session, turn id and time. Two thirds state a fact about one of 5,000 people (a move, a job, a pet, a trip, a party, an injury, an appointment...) in one of three phrasings; the rest are replies that mention a place, a food or a day. Example: \"{corpus[7].Text}\"");
Console.WriteLine();
if (ingest is not null)
{
    Console.WriteLine($"**Ingestion** (`MemoryService.AddAsync`, {options.Batch} memories a call, MiniLM in batches of {exact.Options.EmbeddingBatchSize}, one ONNX thread): {ingest.Memories:N0} memories in {ingest.Seconds / 60:F1} min = **{ingest.MemoriesPerSecond:N0} memories/s**; embedding {ingest.EmbedSeconds:F0} s ({ingest.EmbedSeconds / ingest.Seconds:P0}, {ingest.EmbedPerSecond:N0}/s), store {ingest.StoreSeconds:F0} s ({ingest.StoreSeconds / ingest.Seconds:P0}, {ingest.StorePerSecond:N0}/s: dedup lookup, row, vector, FTS5 in one transaction per call; {ingest.StoreBatchMsFirstTenth:F0} ms a call in the first tenth, {ingest.StoreBatchMsLastTenth:F0} ms in the last). Deduplicated: {ingest.Deduplicated}. Rate per tenth: {string.Join(", ", ingest.RatePerTenth.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))}/s. Store file {fileBytes / 1e6:N0} MB ({rows:N0} rows, {vectors:N0} vectors).");
}
else
{
    Console.WriteLine($"**Ingestion** skipped (`--reuse-db`): store file {fileBytes / 1e6:N0} MB ({rows:N0} rows, {vectors:N0} vectors).");
}

if (whatIf.Count == 2)
{
    Console.WriteLine();
    Console.WriteLine($"**Embedding what-if** (after the searches): the model alone (`SentenceEncoder`) on {Math.Min(options.EmbedWhatIf, corpus.Count):N0} of these texts, dated as the service embeds them, batches of 32: {whatIf[0].PerSecond:N0}/s with one ONNX intra-op thread (what `MiniLmEmbeddingGenerator` uses), {whatIf[1].PerSecond:N0}/s with two.");
}

Console.WriteLine();
Console.WriteLine($"**Search.** {queries.Count} timed queries ({targets.Count(t => t is not null)} paraphrases of stored turns, e.g. \"{paraphraseExample}\" for \"{queries.First(q => q.TargetText is not null).TargetText}\"; the rest unrelated, e.g. \"{unrelatedExample}\") after {warmup.Count} untimed warm-up queries, k = {options.K}, `MemoryScoring.Default`. Every query runs through every row below in turn (order rotating), so load bursts hit all rows alike. \"Exact scan\": `ApproximateThreshold = int.MaxValue`; \"HNSW\": threshold {approximateThreshold:N0} ({(approximateThreshold == defaults.ApproximateThreshold ? "the default, so this is what a scope this size gets" : $"forced: the default {defaults.ApproximateThreshold:N0} would scan this scope exactly")}). \"Embedding precomputed\": the query's vector was computed beforehand by the same model, so the time is retrieval alone. CPU: the process's CPU time during the search (all threads), what it costs without waiting for a core.");
Console.WriteLine();
Console.WriteLine("| search (end to end, ms) | p50 | p95 | p99 | max | mean | CPU p50 | CPU p95 |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
foreach (var r in results)
{
    var bold = r == R(2) ? "**" : "";
    Console.WriteLine($"| {r.Name} | {r.P50:F1} | {bold}{r.P95:F1}{bold} | {r.P99:F1} | {r.Max:F1} | {r.Mean:F1} | {r.CpuP50:F1} | {r.CpuP95:F1} |");
}

Console.WriteLine();
Console.WriteLine($"**Recall of the HNSW index against the exact scan** (same queries, same precomputed vectors; share of the exact top {options.K} the approximate search also returns): hybrid **{hybridRecall:F3}**, vector only **{vectorRecall:F3}**.");
Console.WriteLine();
Console.WriteLine($"**The paraphrased turn in the top {options.K}** (of the {targets.Count(t => t is not null)} paraphrase queries; a sanity check of the ranking, not a quality benchmark: people have many facts of the same kind): hybrid exact {Searches.TargetFound(R(1), targets):P0}, hybrid HNSW {Searches.TargetFound(R(3), targets):P0}, vector only {Searches.TargetFound(R(4), targets):P0}, BM25 only {Searches.TargetFound(R(6), targets):P0}.");
Console.WriteLine();
Console.WriteLine($"**Cold start.** The first search of the scope reads its {rows:N0} rows and vectors into the service's cache: {coldExact.Seconds:F1} s ({coldExact.CpuSeconds:F1} s CPU) for the exact scan, {coldApproximate.Seconds:F1} s ({coldApproximate.CpuSeconds:F1} s CPU) with the HNSW index built (not in the percentiles above; later writes through the service update the cache). Process working set with both caches: {workingSetMb:N0} MB.");
Console.WriteLine();
Console.WriteLine($"**Goal: p95 under 20 ms at {corpus.Count:N0} (hybrid, HNSW, query embedded):** {goal:F1} ms: {(goal < 20 ? "met" : "not met")}.");

if (options.Results is { } resultsFolder)
{
    Directory.CreateDirectory(resultsFolder);
    var json = Path.Combine(resultsFolder, $"memory-{started:yyyy-MM-ddTHH-mm-ssZ}.json");
    await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new
    {
        started, command, cpus = Environment.ProcessorCount, framework = RuntimeInformation.FrameworkDescription, release, loadAtStart, loadAfterIngest, loadAtEnd,
        options = new { options.Memories, options.Queries, options.Warmup, options.Batch, options.K, options.Seed, reused = ingest is null },
        ingest, fileBytes, rows, vectors, queryEmbedSeconds, embedWhatIf = whatIf.Select(w => new { w.Threads, w.PerSecond }), coldExact = new { coldExact.Seconds, coldExact.CpuSeconds }, coldApproximate = new { coldApproximate.Seconds, coldApproximate.CpuSeconds }, approximateUsed, approximateThreshold, workingSetMb,
        probes = results.Select(r => new { r.Name, r.P50, r.P95, r.P99, r.Max, r.Mean, r.CpuP50, r.CpuP95 }), hybridRecall, vectorRecall,
        targetFound = new { hybridExact = Searches.TargetFound(R(1), targets), hybridHnsw = Searches.TargetFound(R(3), targets), vector = Searches.TargetFound(R(4), targets), bm25 = Searches.TargetFound(R(6), targets) },
        minutes = total.Elapsed.TotalMinutes,
    }, new JsonSerializerOptions { WriteIndented = true }));
    Console.Error.WriteLine($"json: {json}");
}

return 0;

async Task<(double Seconds, double CpuSeconds)> ColdAsync(MemoryService service)
{
    var cpu0 = ProcessCpu.Millis();
    var t0 = Stopwatch.GetTimestamp();
    await service.SearchAsync(new MemoryQuery(filter, warmup.Count > 0 ? warmup[0].Text : queries[0].Text, options.K));
    return (Stats.Seconds(t0, Stopwatch.GetTimestamp()), (ProcessCpu.Millis() - cpu0) / 1000);
}

async Task<(double Seconds, double CpuSeconds, int Searches, double P50Ms, double MaxMs)> IndexReadyAsync(MemoryService service)
{
    var cpu0 = ProcessCpu.Millis();
    var t0 = Stopwatch.GetTimestamp();
    var times = new List<double>();
    for (var i = 0; ; i++)
    {
        var s0 = Stopwatch.GetTimestamp();
        var result = await service.SearchAsync(new MemoryQuery(filter, queries[i % queries.Count].Text, options.K));
        if (result.Approximate)
        {
            break;
        }

        times.Add(Stats.Seconds(s0, Stopwatch.GetTimestamp()) * 1000);
        await Task.Delay(100);
    }

    times.Sort();
    return (Stats.Seconds(t0, Stopwatch.GetTimestamp()), (ProcessCpu.Millis() - cpu0) / 1000, times.Count, times.Count > 0 ? times[times.Count / 2] : 0, times.Count > 0 ? times[^1] : 0);
}

static (long Bytes, long Rows, long Vectors) FileFacts(string path)
{
    using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
    connection.Open();
    long Scalar(string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    Scalar("PRAGMA wal_checkpoint(TRUNCATE)");
    return (new FileInfo(path).Length, Scalar("SELECT count(*) FROM memories"), Scalar("SELECT count(*) FROM memory_vectors"));
}
