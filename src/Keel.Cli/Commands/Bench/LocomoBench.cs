using System.Diagnostics;
using Keel.Memory;
using Keel.Memory.Retrieval;

namespace Keel.Cli.Commands.Bench;

/// <summary>One question's ranking, for <c>--dump-rankings</c>.</summary>
internal sealed record LocomoRanking(string SampleId, int QaIndex, IReadOnlyList<string> RankedTurnIds);

/// <summary>Recall@10 of one question category.</summary>
internal sealed record LocomoCategory(int Category, string Name, int Questions, double RecallAt10);

/// <summary>What <c>keel bench locomo</c> measured.</summary>
/// <param name="RecallAtK">Recall at <paramref name="K"/> distinct turns (equal to one of the others when k is 5 or 10).</param>
/// <param name="AllEvidenceAt10">Share of questions with every evidence turn in the top 10.</param>
/// <param name="Mrr">Mean reciprocal rank of the first evidence turn within the top k (0 when none is).</param>
internal sealed record LocomoReport(
    int Conversations,
    int Turns,
    int Questions,
    int K,
    double RecallAt5,
    double RecallAt10,
    double RecallAtK,
    double AllEvidenceAt10,
    double Mrr,
    IReadOnlyList<LocomoCategory> Categories,
    double SearchP50Ms,
    double SearchP95Ms,
    double IngestionSeconds,
    double TurnsPerSecond,
    bool Approximate);

/// <summary>
/// The LoCoMo retrieval benchmark on Keel memory: each conversation's turns become episodic memories in a scope of
/// their own, then each question searches that scope and its hits are read as a ranking of distinct turns.
/// </summary>
internal sealed class LocomoBench(MemoryService memory, string customerId = "locomo")
{
    private static readonly string[] CategoryNames = ["", "multi-hop", "temporal", "open-domain", "single-hop"];

    /// <summary>The memory a turn becomes: "speaker: text", and what a shared image shows.</summary>
    public static string TurnText(LocomoTurn turn) =>
        turn.ImageCaption is null ? $"{turn.Speaker}: {turn.Text}" : $"{turn.Speaker}: {turn.Text} [shares {turn.ImageCaption}]";

    public async Task<LocomoReport> RunAsync(IReadOnlyList<LocomoSample> samples, int k, Action<LocomoRanking>? ranked = null, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        // Ingestion: a conversation per call (one transaction; the service embeds it in batches of similar lengths,
        // which is what makes it fast: in arrival order, batches of 64 ran at a third of the rate).
        var scopes = new Dictionary<string, (MemoryScope Scope, Dictionary<long, List<string>> TurnsOf)>();
        var ingest = Stopwatch.StartNew();
        foreach (var sample in samples)
        {
            var scope = new MemoryScope(customerId, userId: sample.SampleId);
            var turnsOf = new Dictionary<long, List<string>>();
            var written = await memory.AddAsync(sample.Turns.Select(t => ToMemory(scope, t)).ToList(), cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < sample.Turns.Count; i++)
            {
                // An identical turn (same speaker, same words) is stored once: it stands for each of its turns.
                var key = written[i].Memory.Key;
                if (!turnsOf.TryGetValue(key, out var ids))
                {
                    turnsOf[key] = ids = [];
                }

                ids.Add(sample.Turns[i].Id);
            }

            scopes[sample.SampleId] = (scope, turnsOf);
            progress?.Invoke($"ingested {sample.SampleId}: {sample.Turns.Count} turns");
        }

        ingest.Stop();
        var turns = samples.Sum(s => s.Turns.Count);

        // Search: one untimed query per scope first loads its vectors into memory, as a long-running server has them.
        var latencies = new List<double>();
        double r5 = 0, r10 = 0, rk = 0, all10 = 0, mrr = 0;
        var byCategory = new Dictionary<int, (int Count, double Recall)>();
        var approximate = false;
        foreach (var sample in samples)
        {
            var (scope, turnsOf) = scopes[sample.SampleId];
            await memory.SearchAsync(new MemoryQuery(new MemoryFilter(scope), "warm up", 1), cancellationToken).ConfigureAwait(false);
            foreach (var question in sample.Questions)
            {
                var started = Stopwatch.GetTimestamp();
                var result = await memory.SearchAsync(new MemoryQuery(new MemoryFilter(scope), question.Text, Math.Max(k, 10) + 5), cancellationToken).ConfigureAwait(false);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                approximate |= result.Approximate;
                var ranking = result.Hits.SelectMany(h => turnsOf.GetValueOrDefault(h.Memory.Key) ?? []).Distinct().Take(Math.Max(k, 10)).ToList();
                ranked?.Invoke(new LocomoRanking(sample.SampleId, question.Index, ranking));

                var evidence = question.Evidence;
                double Recall(int n) => (double)evidence.Count(ranking.Take(n).Contains) / evidence.Count;
                var at10 = Recall(10);
                r5 += Recall(5);
                r10 += at10;
                rk += Recall(k);
                all10 += at10 == 1 ? 1 : 0;
                var first = ranking.Take(k).ToList().FindIndex(id => evidence.Contains(id));
                mrr += first < 0 ? 0 : 1.0 / (first + 1);
                var (count, recall) = byCategory.GetValueOrDefault(question.Category);
                byCategory[question.Category] = (count + 1, recall + at10);
            }
        }

        var questions = Math.Max(1, latencies.Count);
        latencies.Sort();
        return new LocomoReport(
            samples.Count,
            turns,
            latencies.Count,
            k,
            r5 / questions,
            r10 / questions,
            rk / questions,
            all10 / questions,
            mrr / questions,
            byCategory.OrderBy(c => c.Key).Select(c => new LocomoCategory(c.Key, CategoryNames[c.Key], c.Value.Count, c.Value.Recall / c.Value.Count)).ToList(),
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.95),
            ingest.Elapsed.TotalSeconds,
            turns / Math.Max(1e-9, ingest.Elapsed.TotalSeconds),
            approximate);
    }

    private static NewMemory ToMemory(MemoryScope scope, LocomoTurn turn) =>
        new(scope, MemoryKind.Episodic, TurnText(turn), new MemorySource(SessionId: $"session_{turn.Session}", MessageId: turn.Id), OccurredAt: turn.SessionDate);

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
