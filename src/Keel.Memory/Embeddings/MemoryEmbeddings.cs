using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Embeddings;

namespace Keel.Memory.Embeddings;

/// <summary>Makes the embedding generator that <see cref="MemoryEmbeddingOptions"/> describes.</summary>
public static class MemoryEmbeddings
{
    /// <summary>
    /// The local MiniLM model when no endpoint is set; otherwise the OpenAI SDK's <see cref="EmbeddingClient"/> on
    /// that endpoint, as an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> (Microsoft.Extensions.AI.OpenAI),
    /// which batches a call's texts into one request.
    /// </summary>
    /// <exception cref="ArgumentException">An endpoint is set without a model.</exception>
    public static IEmbeddingGenerator<string, Embedding<float>> Create(MemoryEmbeddingOptions? options = null)
    {
        if (options?.Endpoint is null)
        {
            return new MiniLmEmbeddingGenerator();
        }

        if (string.IsNullOrWhiteSpace(options.Model))
        {
            throw new ArgumentException("An embeddings endpoint needs a model (KEEL_EMBEDDINGS_MODEL).", nameof(options));
        }

        var client = new EmbeddingClient(
            options.Model,
            new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "unused" : options.ApiKey),
            new OpenAIClientOptions { Endpoint = options.Endpoint });
        return client.AsIEmbeddingGenerator(options.Dimensions);
    }
}
