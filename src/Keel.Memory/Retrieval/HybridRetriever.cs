using System.Diagnostics;
using Keel.Storage;
using Microsoft.Extensions.AI;

namespace Keel.Memory.Retrieval;

/// <summary>
/// Hybrid search (docs/memory.md, "Retrieval"): the best vector and BM25 candidates fused by reciprocal rank, plus
/// recency and importance, then each memory raised by its better neighbour's score and its session's best score, and
/// raised again when the query names its speaker.
/// </summary>
internal sealed class HybridRetriever
{
    private readonly IKeelStore _store;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embeddings;
    private readonly ScopeCache _scopes;
    private readonly TimeProvider _time;

    public HybridRetriever(IKeelStore store, IEmbeddingGenerator<string, Embedding<float>> embeddings, ScopeCache scopes, TimeProvider time)
    {
        _store = store;
        _embeddings = embeddings;
        _scopes = scopes;
        _time = time;
    }

    public async Task<MemorySearchResult> SearchAsync(MemoryQuery query, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var scoring = query.Scoring ?? MemoryScoring.Default;
        var filter = query.Filter;
        var now = _time.GetUtcNow();
        var (state, shared) = await _scopes.GetAsync(filter, cancellationToken).ConfigureAwait(false);
        Func<MemoryRecord, bool>? keep = shared && !FilterMatch.IsScopeOnly(filter) ? m => FilterMatch.Matches(filter, m) : null;
        var depth = Math.Max(scoring.CandidateDepth, query.Limit);

        // Speakers the query names ("What did Caroline research?"): their turns are raised below, and their names are
        // left out of what is embedded, so the vector looks for what was said rather than for who said it.
        var named = scoring.SpeakerWeight > 0 ? state.SpeakersNamedIn(Speakers.Words(query.Text)) : [];

        // The two signals: the text search runs in the store while the query is embedded here.
        var textTask = scoring.TextWeight > 0 && !string.IsNullOrWhiteSpace(query.Text)
            ? _store.SearchMemoryTextAsync(filter, Speakers.Without(query.Text, named), depth, cancellationToken).AsTask()
            : Task.FromResult<IReadOnlyList<MemoryTextHit>>([]);
        List<(long Key, double Similarity)> vectorHits = [];
        if (scoring.VectorWeight > 0 && !string.IsNullOrWhiteSpace(query.Text) && state.Count > 0)
        {
            var embedded = await _embeddings.GenerateVectorAsync(Speakers.Without(query.Text, named), cancellationToken: cancellationToken).ConfigureAwait(false);
            vectorHits = state.SearchVectors(VectorSet.Normalised(embedded.Span), depth, keep);
        }

        var textHits = await textTask.ConfigureAwait(false);
        if (state.Count == 0)
        {
            return new MemorySearchResult([], false, Stopwatch.GetElapsedTime(started));
        }

        // Fused base score of every candidate.
        var candidates = new Dictionary<long, Candidate>();
        for (var i = 0; i < vectorHits.Count; i++)
        {
            Candidate(vectorHits[i].Key).Vector = (vectorHits[i].Similarity, i + 1);
        }

        for (var i = 0; i < textHits.Count; i++)
        {
            if (state.Get(textHits[i].Key) is not null)
            {
                Candidate(textHits[i].Key).Text = (textHits[i].Score, i + 1);
            }
        }

        foreach (var candidate in candidates.Values)
        {
            var memory = candidate.Memory;
            candidate.Recency = Math.Pow(0.5, Math.Max(0, (now - memory.OccurredAt).TotalSeconds) / Math.Max(1, scoring.RecencyHalfLife.TotalSeconds));
            candidate.Base = (candidate.Vector is { } v ? scoring.VectorWeight / (scoring.RankConstant + v.Rank) : 0)
                + (candidate.Text is { } t ? scoring.TextWeight / (scoring.RankConstant + t.Rank) : 0)
                + (scoring.RecencyWeight * candidate.Recency)
                + (scoring.ImportanceWeight * memory.Importance);
        }

        // Context: a memory gains a share of its better neighbour's score and of its session's best score. Neighbours
        // of candidates join as candidates of their own (an answer turn that shares no word with the question).
        var scored = new Dictionary<long, (MemoryRecord Memory, double Score)>();
        if (scoring.NeighbourWeight > 0 || scoring.SessionWeight > 0)
        {
            var sessionBest = new Dictionary<(string, string), double>();
            foreach (var candidate in candidates.Values)
            {
                if (MemoryOrder.Thread(candidate.Memory) is { } thread)
                {
                    sessionBest[thread] = Math.Max(sessionBest.GetValueOrDefault(thread), candidate.Base);
                }
            }

            var pool = new Dictionary<long, MemoryRecord>();
            foreach (var candidate in candidates.Values)
            {
                pool[candidate.Memory.Key] = candidate.Memory;
                if (scoring.NeighbourWeight > 0)
                {
                    foreach (var neighbour in state.Neighbours(candidate.Memory.Key, 1))
                    {
                        if (keep is null || keep(neighbour))
                        {
                            pool.TryAdd(neighbour.Key, neighbour);
                        }
                    }
                }
            }

            foreach (var memory in pool.Values)
            {
                var own = candidates.TryGetValue(memory.Key, out var c) ? c.Base : 0;
                double neighbour = 0;
                if (scoring.NeighbourWeight > 0)
                {
                    foreach (var adjacent in state.Neighbours(memory.Key, 1))
                    {
                        neighbour = Math.Max(neighbour, candidates.TryGetValue(adjacent.Key, out var a) ? a.Base : 0);
                    }
                }

                var session = MemoryOrder.Thread(memory) is { } thread ? sessionBest.GetValueOrDefault(thread) : 0;
                scored[memory.Key] = (memory, SpeakerFactor(memory) * (own + (scoring.NeighbourWeight * neighbour) + (scoring.SessionWeight * session)));
            }
        }
        else
        {
            foreach (var candidate in candidates.Values)
            {
                scored[candidate.Memory.Key] = (candidate.Memory, SpeakerFactor(candidate.Memory) * candidate.Base);
            }
        }

        var ranked = scored.Values.OrderByDescending(s => s.Score).ThenBy(s => s.Memory.Key).Take(query.Limit + 8).ToList();

        // The cache may trail other writers: what is returned is read back, so nothing forgotten or superseded since
        // is ever returned as current.
        var fresh = (await _store.GetMemoriesByKeyAsync(filter.Scope.CustomerId, ranked.ConvertAll(r => r.Memory.Key), cancellationToken).ConfigureAwait(false))
            .ToDictionary(m => m.Key);
        var gone = ranked.Where(r => !fresh.TryGetValue(r.Memory.Key, out var m) || (shared && !m.IsCurrentAt(now))).Select(r => r.Memory.Key).ToList();
        if (gone.Count > 0)
        {
            state.Remove(gone);
        }

        var hits = new List<MemoryHit>(query.Limit);
        var included = new HashSet<long>();
        foreach (var (memory, score) in ranked.Where(r => !gone.Contains(r.Memory.Key)).Take(query.Limit))
        {
            hits.Add(new MemoryHit(fresh[memory.Key], score, Parts(memory.Key)));
            included.Add(memory.Key);
        }

        if (query.Neighbours > 0)
        {
            hits = await WithNeighboursAsync(hits, included).ConfigureAwait(false);
        }

        return new MemorySearchResult(hits, state.Approximate && vectorHits.Count > 0, Stopwatch.GetElapsedTime(started));

        // A turn of a speaker the query names counts 1 + SpeakerWeight times; the others are left as they are.
        double SpeakerFactor(MemoryRecord memory) =>
            named.Count > 0 && Speakers.Of(memory.Text) is { } speaker && named.Contains(speaker) ? 1 + scoring.SpeakerWeight : 1;

        Candidate Candidate(long key)
        {
            if (!candidates.TryGetValue(key, out var candidate))
            {
                candidates[key] = candidate = new Candidate(state.Get(key)!);
            }

            return candidate;
        }

        MemoryScoreParts Parts(long key)
        {
            if (candidates.TryGetValue(key, out var c))
            {
                return new MemoryScoreParts(c.Vector?.Similarity, c.Text?.Score, c.Recency, c.Memory.Importance);
            }

            var memory = state.Get(key)!;
            var recency = Math.Pow(0.5, Math.Max(0, (now - memory.OccurredAt).TotalSeconds) / Math.Max(1, scoring.RecencyHalfLife.TotalSeconds));
            return new MemoryScoreParts(null, null, recency, memory.Importance);
        }

        async Task<List<MemoryHit>> WithNeighboursAsync(List<MemoryHit> found, HashSet<long> seen)
        {
            var expanded = new List<MemoryHit>(found.Count * (1 + (2 * query.Neighbours)));
            foreach (var hit in found)
            {
                expanded.Add(hit);
                var around = state.Neighbours(hit.Memory.Key, query.Neighbours)
                    .Where(n => (keep is null || keep(n)) && seen.Add(n.Key))
                    .Order(MemoryOrder.Instance)
                    .ToList();
                if (around.Count == 0)
                {
                    continue;
                }

                var current = (await _store.GetMemoriesByKeyAsync(filter.Scope.CustomerId, around.ConvertAll(n => n.Key), cancellationToken).ConfigureAwait(false))
                    .Where(m => !shared || m.IsCurrentAt(now));
                foreach (var neighbour in current)
                {
                    expanded.Add(new MemoryHit(neighbour, scored.TryGetValue(neighbour.Key, out var s) ? s.Score : 0, Parts(neighbour.Key), IsNeighbour: true));
                }
            }

            return expanded;
        }
    }

    private sealed class Candidate(MemoryRecord memory)
    {
        public MemoryRecord Memory { get; } = memory;

        public (double Similarity, int Rank)? Vector { get; set; }

        public (double Score, int Rank)? Text { get; set; }

        public double Recency { get; set; }

        public double Base { get; set; }
    }
}
