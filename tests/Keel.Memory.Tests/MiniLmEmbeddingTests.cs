using System.Numerics.Tensors;
using Keel.Memory.Embeddings;
using Microsoft.Extensions.AI;
using Xunit;

namespace Keel.Memory.Tests;

public sealed class MiniLmEmbeddingTests
{
    [Fact]
    public async Task Paraphrases_are_closer_than_unrelated_sentences()
    {
        using var generator = new MiniLmEmbeddingGenerator();
        var vectors = await generator.GenerateAsync(
            ["The customer wants a refund for the broken laptop.", "The client asked for their money back because the notebook computer was damaged.", "It will rain in Lisbon tomorrow afternoon."],
            cancellationToken: TestContext.Current.CancellationToken);

        var paraphrase = TensorPrimitives.CosineSimilarity(vectors[0].Vector.Span, vectors[1].Vector.Span);
        var unrelated = TensorPrimitives.CosineSimilarity(vectors[0].Vector.Span, vectors[2].Vector.Span);
        Assert.Equal(MiniLmEmbeddingGenerator.Dimensions, vectors[0].Vector.Length);
        Assert.True(paraphrase > 0.5, $"paraphrase {paraphrase}");
        Assert.True(paraphrase > unrelated + 0.3, $"paraphrase {paraphrase}, unrelated {unrelated}");
    }

    [Fact]
    public async Task Batches_keep_the_order_and_match_single_calls_from_any_thread()
    {
        using var generator = new MiniLmEmbeddingGenerator(batchSize: 8);
        var texts = Enumerable.Range(0, 20).Select(i => $"Memory number {i} about topic {i % 3}.").ToArray();

        var batched = await generator.GenerateAsync(texts, cancellationToken: TestContext.Current.CancellationToken);
        var singles = await Task.WhenAll(texts.Select(t => Task.Run(() => generator.GenerateVectorAsync(t, cancellationToken: TestContext.Current.CancellationToken), TestContext.Current.CancellationToken)));

        Assert.Equal(texts.Length, batched.Count);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.True(TensorPrimitives.CosineSimilarity(batched[i].Vector.Span, singles[i].Span) > 0.999f, $"text {i}");
        }
    }

    [Fact]
    public void An_endpoint_in_the_options_gives_an_openai_compatible_generator()
    {
        using var local = MemoryEmbeddings.Create(MemoryEmbeddingOptions.FromEnvironment(_ => null));
        var options = MemoryEmbeddingOptions.FromEnvironment(name => name switch
        {
            "KEEL_EMBEDDINGS_ENDPOINT" => "http://127.0.0.1:9/v1",
            "KEEL_EMBEDDINGS_MODEL" => "text-embedding-3-small",
            _ => null,
        });
        using var remote = MemoryEmbeddings.Create(options);

        Assert.IsType<MiniLmEmbeddingGenerator>(local);
        Assert.IsNotType<MiniLmEmbeddingGenerator>(remote);
        Assert.Equal("text-embedding-3-small", remote.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId);
        Assert.Throws<ArgumentException>(() => MemoryEmbeddings.Create(options with { Model = null }));
    }
}
