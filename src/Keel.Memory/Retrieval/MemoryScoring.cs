namespace Keel.Memory.Retrieval;

/// <summary>
/// How hybrid search weighs its signals (the formula is in docs/memory.md, "Retrieval"). Ranks rather than raw
/// scores are fused because cosine similarities and BM25 scores have no common scale, and BM25's scale changes with
/// every query; recency and importance are small additive terms that break near-ties. Set a weight to 0 to turn a
/// signal off (a zero <see cref="VectorWeight"/> also skips embedding the query).
/// </summary>
public sealed record MemoryScoring
{
    /// <summary>The defaults, tuned on three LoCoMo conversations and checked on two others (bench/results/memory.md).</summary>
    public static MemoryScoring Default { get; } = new();

    /// <summary>Weight of the vector rank: finds paraphrases that share no word with the query.</summary>
    public double VectorWeight { get; init; } = 1.0;

    /// <summary>Weight of the BM25 rank: finds rare exact words (names, ids, places) embeddings blur.</summary>
    public double TextWeight { get; init; } = 1.5;

    /// <summary>
    /// The reciprocal-rank constant <c>k</c> in <c>w / (k + rank)</c>. Small values trust each signal's top few
    /// results more; 60 (the classic value) flattens the top too much for ten results.
    /// </summary>
    public double RankConstant { get; init; } = 5;

    /// <summary>How many of each signal's best candidates are fused.</summary>
    public int CandidateDepth { get; init; } = 100;

    /// <summary>Weight of recency, <c>0.5^(age / half-life)</c> of the memory's occurred time.</summary>
    public double RecencyWeight { get; init; } = 0.02;

    public TimeSpan RecencyHalfLife { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Weight of the memory's importance (0 to 1).</summary>
    public double ImportanceWeight { get; init; } = 0.02;

    /// <summary>
    /// Share of the better adjacent memory's score (the previous or next one in the same session) a memory gets:
    /// the answer to a question is often the turn after the one that matches it.
    /// </summary>
    public double NeighbourWeight { get; init; } = 0.5;

    /// <summary>Share of the best score in its session that a candidate gets: matches cluster in the conversation that was about the topic.</summary>
    public double SessionWeight { get; init; } = 0.3;

    /// <summary>
    /// When the query names a memory's speaker (a text written <c>Name: …</c>, as session turns are), its score is
    /// multiplied by <c>1 + SpeakerWeight</c>: "What did Caroline research?" is answered by Caroline's own turns,
    /// while BM25 gives her name almost no weight because all her turns hold it. 0 turns it off.
    /// </summary>
    public double SpeakerWeight { get; init; } = 1.0;
}
