using System.Diagnostics;
using Keel.Memory;

namespace Keel.Bench.Memory;

/// <summary>What ingesting the corpus cost, and where the time went.</summary>
internal sealed record IngestResult(
    int Memories,
    int Deduplicated,
    double Seconds,
    double EmbedSeconds,
    double StoreSeconds,
    double[] RatePerTenth,
    double StoreBatchMsFirstTenth,
    double StoreBatchMsLastTenth)
{
    public double MemoriesPerSecond => Memories / Seconds;

    public double EmbedPerSecond => Memories / EmbedSeconds;

    public double StorePerSecond => Memories / StoreSeconds;
}

/// <summary>
/// Adds the corpus through <see cref="MemoryService.AddAsync(IReadOnlyList{NewMemory}, CancellationToken)"/> in
/// batches, as an application would: each call embeds its memories (batches of 32) then stores them in one
/// transaction. Embedding time is what the wrapped generator reports; store time is the rest of each call.
/// </summary>
internal static class Ingestion
{
    public static async Task<IngestResult> RunAsync(MemoryService memory, BenchEmbeddings embeddings, MemoryScope scope, List<CorpusTurn> corpus, int batchSize)
    {
        embeddings.UsePrecomputed = false;
        embeddings.Reset();
        var storeTicks = 0L;
        var deduplicated = 0;
        var batches = new List<(int Done, double Seconds, double StoreMs)>();
        var started = Stopwatch.GetTimestamp();
        var lastReport = started;
        for (var offset = 0; offset < corpus.Count; offset += batchSize)
        {
            var batch = corpus.GetRange(offset, Math.Min(batchSize, corpus.Count - offset)).ConvertAll(t => ToMemory(scope, t));
            var embedBefore = embeddings.Ticks;
            var callStart = Stopwatch.GetTimestamp();
            var results = await memory.AddAsync(batch);
            var callTicks = Stopwatch.GetTimestamp() - callStart;
            var store = callTicks - (embeddings.Ticks - embedBefore);
            storeTicks += store;
            deduplicated += results.Count(r => r.Deduplicated);
            var done = offset + batch.Count;
            batches.Add((done, Stats.Seconds(started, Stopwatch.GetTimestamp()), store * 1000.0 / Stopwatch.Frequency));
            if (Stats.Seconds(lastReport, Stopwatch.GetTimestamp()) >= 10 || done == corpus.Count)
            {
                lastReport = Stopwatch.GetTimestamp();
                var elapsed = Stats.Seconds(started, lastReport);
                var rate = done / elapsed;
                Console.Error.WriteLine(
                    $"  ingest {done,7:N0}/{corpus.Count:N0}  {rate,5:N0}/s  embed {embeddings.Ticks / (double)Stopwatch.Frequency,6:F1} s  store {storeTicks / (double)Stopwatch.Frequency,6:F1} s  eta {(corpus.Count - done) / rate / 60,4:F1} min  load {Load()}");
            }
        }

        var seconds = Stats.Seconds(started, Stopwatch.GetTimestamp());
        var tenths = new double[10];
        var previous = (Done: 0, Seconds: 0.0);
        for (var t = 0; t < 10; t++)
        {
            var end = batches.First(b => b.Done >= corpus.Count * (t + 1) / 10);
            tenths[t] = (end.Done - previous.Done) / Math.Max(1e-9, end.Seconds - previous.Seconds);
            previous = (end.Done, end.Seconds);
        }

        var tenth = Math.Max(1, batches.Count / 10);
        return new IngestResult(
            corpus.Count,
            deduplicated,
            seconds,
            embeddings.Ticks / (double)Stopwatch.Frequency,
            storeTicks / (double)Stopwatch.Frequency,
            tenths,
            Stats.Median([.. batches.Take(tenth).Select(b => b.StoreMs)]),
            Stats.Median([.. batches.TakeLast(tenth).Select(b => b.StoreMs)]));
    }

    public static NewMemory ToMemory(MemoryScope scope, CorpusTurn turn) =>
        new(scope, MemoryKind.Episodic, turn.Text, new MemorySource(SessionId: turn.SessionId, MessageId: turn.MessageId), turn.Importance, turn.OccurredAt);

    public static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
