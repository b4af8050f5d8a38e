using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Keel.Bench.Memory;

/// <summary>
/// Wraps the real generator to time it (how much of an ingest is embedding) and, when <see cref="UsePrecomputed"/>
/// is on, to answer a query from vectors computed beforehand by the same model: the search then costs retrieval
/// alone, with the same ranking as when it embeds.
/// </summary>
internal sealed class BenchEmbeddings(IEmbeddingGenerator<string, Embedding<float>> inner)
    : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
{
    private readonly Dictionary<string, Embedding<float>> _precomputed = new(StringComparer.Ordinal);

    public bool UsePrecomputed { get; set; }

    /// <summary>Stopwatch ticks spent in the real generator since the last <see cref="Reset"/>.</summary>
    public long Ticks { get; private set; }

    public long Texts { get; private set; }

    public void Reset() => (Ticks, Texts) = (0, 0);

    public async Task PrecomputeAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var missing = texts.Where(t => !_precomputed.ContainsKey(t)).Distinct(StringComparer.Ordinal).ToList();
        var vectors = await base.GenerateAsync(missing, cancellationToken: cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < missing.Count; i++)
        {
            _precomputed[missing[i]] = vectors[i];
        }
    }

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var texts = values as IReadOnlyList<string> ?? [.. values];
        if (UsePrecomputed && texts.All(_precomputed.ContainsKey))
        {
            return [.. texts.Select(t => _precomputed[t])];
        }

        var started = Stopwatch.GetTimestamp();
        var generated = await base.GenerateAsync(texts, options, cancellationToken).ConfigureAwait(false);
        Ticks += Stopwatch.GetTimestamp() - started;
        Texts += texts.Count;
        return generated;
    }
}
