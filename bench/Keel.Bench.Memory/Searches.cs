using System.Diagnostics;
using Keel.Memory;
using Keel.Memory.Retrieval;
using Keel.Storage;

namespace Keel.Bench.Memory;

/// <summary>One way of searching, timed end to end; it returns the keys it ranked first.</summary>
/// <param name="Precomputed">The query's embedding comes from <see cref="BenchEmbeddings"/>' precomputed vectors (retrieval alone).</param>
internal sealed record Probe(string Name, bool Precomputed, Func<string, Task<IReadOnlyList<long>>> Run);

/// <summary>A probe's latencies over the timed queries, and the keys it returned for each.</summary>
/// <param name="CpuMillis">The process's CPU time during each search (all its threads: the text search runs beside the embedding).</param>
internal sealed record ProbeResult(string Name, List<double> Millis, List<double> CpuMillis, List<IReadOnlyList<long>> Keys)
{
    public double CpuP50 => Stats.Percentile(CpuMillis, 0.50);

    public double CpuP95 => Stats.Percentile(CpuMillis, 0.95);

    public double P50 => Stats.Percentile(Millis, 0.50);

    public double P95 => Stats.Percentile(Millis, 0.95);

    public double P99 => Stats.Percentile(Millis, 0.99);

    public double Max => Millis.Max();

    public double Mean => Millis.Average();
}

/// <summary>
/// Runs every probe on every query. The probes take turns query by query (and the order rotates), so a burst of
/// load from the machine's other users falls on all of them alike rather than on whichever ran at that minute.
/// </summary>
internal static class Searches
{
    public static MemoryScoring VectorOnly { get; } = MemoryScoring.Default with
    {
        TextWeight = 0, RecencyWeight = 0, ImportanceWeight = 0, NeighbourWeight = 0, SessionWeight = 0,
    };

    public static MemoryScoring TextOnly { get; } = MemoryScoring.Default with
    {
        VectorWeight = 0, RecencyWeight = 0, ImportanceWeight = 0, NeighbourWeight = 0, SessionWeight = 0,
    };

    public static List<Probe> Probes(MemoryService exact, MemoryService approximate, IKeelStore store, BenchEmbeddings embeddings, MemoryFilter filter, int k)
    {
        Func<string, Task<IReadOnlyList<long>>> Search(MemoryService service, MemoryScoring? scoring) => async text =>
        {
            var result = await service.SearchAsync(new MemoryQuery(filter, text, k) { Scoring = scoring });
            return [.. result.Hits.Select(h => h.Memory.Key)];
        };

        return
        [
            new("hybrid, exact scan, query embedded", false, Search(exact, null)),
            new("hybrid, exact scan, embedding precomputed", true, Search(exact, null)),
            new("hybrid, HNSW, query embedded", false, Search(approximate, null)),
            new("hybrid, HNSW, embedding precomputed", true, Search(approximate, null)),
            new("vector only, exact scan, embedding precomputed", true, Search(exact, VectorOnly)),
            new("vector only, HNSW, embedding precomputed", true, Search(approximate, VectorOnly)),
            new("BM25 only (MemoryService, VectorWeight 0)", true, Search(approximate, TextOnly)),
            new("BM25 store call (SearchMemoryTextAsync, 100 candidates)", true, async text =>
                [.. (await store.SearchMemoryTextAsync(filter, text, MemoryScoring.Default.CandidateDepth)).Take(k).Select(h => h.Key)]),
            new("query embedding alone (MiniLM, 1 text)", false, async text =>
            {
                await embeddings.GenerateAsync([text]);
                return [];
            }),
        ];
    }

    public static async Task<List<ProbeResult>> RunAsync(List<Probe> probes, BenchEmbeddings embeddings, IReadOnlyList<BenchQuery> warmup, IReadOnlyList<BenchQuery> queries)
    {
        foreach (var query in warmup)
        {
            foreach (var probe in probes)
            {
                embeddings.UsePrecomputed = probe.Precomputed;
                await probe.Run(query.Text);
            }
        }

        var results = probes.ConvertAll(p => new ProbeResult(p.Name, new List<double>(queries.Count), new List<double>(queries.Count), new List<IReadOnlyList<long>>(queries.Count)));
        var started = Stopwatch.GetTimestamp();
        for (var q = 0; q < queries.Count; q++)
        {
            for (var j = 0; j < probes.Count; j++)
            {
                var p = (q + j) % probes.Count;
                var probe = probes[p];
                embeddings.UsePrecomputed = probe.Precomputed;
                var cpu0 = ProcessCpu.Millis();
                var t0 = Stopwatch.GetTimestamp();
                var keys = await probe.Run(queries[q].Text);
                var ms = Stats.Millis(t0, Stopwatch.GetTimestamp());
                results[p].CpuMillis.Add(ProcessCpu.Millis() - cpu0);
                results[p].Millis.Add(ms);
                results[p].Keys.Add(keys);
            }

            if ((q + 1) % 100 == 0 || q + 1 == queries.Count)
            {
                Console.Error.WriteLine($"  searched {q + 1,4}/{queries.Count} queries x {probes.Count} probes in {Stats.Seconds(started, Stopwatch.GetTimestamp()):F0} s  load {Ingestion.Load()}");
            }
        }

        return results;
    }

    /// <summary>Mean share of <paramref name="reference"/>'s top keys that <paramref name="candidate"/> also returned (queries where the reference found any).</summary>
    public static double Recall(ProbeResult candidate, ProbeResult reference)
    {
        var shares = new List<double>();
        for (var q = 0; q < reference.Keys.Count; q++)
        {
            if (reference.Keys[q].Count > 0)
            {
                shares.Add(reference.Keys[q].Intersect(candidate.Keys[q]).Count() / (double)reference.Keys[q].Count);
            }
        }

        return shares.Count == 0 ? 1 : shares.Average();
    }

    /// <summary>Share of the paraphrase queries whose paraphrased memory is in the probe's top keys.</summary>
    public static double TargetFound(ProbeResult probe, IReadOnlyList<long?> targets)
    {
        var found = 0;
        var asked = 0;
        for (var q = 0; q < targets.Count; q++)
        {
            if (targets[q] is { } target)
            {
                asked++;
                found += probe.Keys[q].Contains(target) ? 1 : 0;
            }
        }

        return asked == 0 ? 0 : found / (double)asked;
    }
}
