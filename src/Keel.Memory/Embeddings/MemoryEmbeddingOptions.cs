namespace Keel.Memory.Embeddings;

/// <summary>
/// Which embedding model memory uses. With no endpoint it is the local MiniLM model; with one, any
/// OpenAI-compatible <c>/v1/embeddings</c> endpoint (OpenAI, Azure OpenAI's v1 API, Ollama, vLLM, LM Studio...).
/// Changing the model of a store that already holds memories needs them re-embedded: vectors of two models do not
/// compare.
/// </summary>
public sealed record MemoryEmbeddingOptions
{
    /// <summary>The base URL of an OpenAI-compatible API (<c>https://api.openai.com/v1</c>, <c>http://localhost:11434/v1</c>); null for the local model.</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The endpoint's model (<c>text-embedding-3-small</c>, <c>nomic-embed-text</c>...).</summary>
    public string? Model { get; init; }

    /// <summary>The endpoint's key; local servers that need none take any value.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Asks the endpoint for vectors of this length, for models that can shorten them.</summary>
    public int? Dimensions { get; init; }

    /// <summary>
    /// Reads <c>KEEL_EMBEDDINGS_ENDPOINT</c>, <c>KEEL_EMBEDDINGS_MODEL</c>, <c>KEEL_EMBEDDINGS_API_KEY</c> and
    /// <c>KEEL_EMBEDDINGS_DIMENSIONS</c>: how the CLI and the server are pointed at an endpoint without code.
    /// </summary>
    public static MemoryEmbeddingOptions FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var endpoint = read("KEEL_EMBEDDINGS_ENDPOINT");
        var dimensions = read("KEEL_EMBEDDINGS_DIMENSIONS");
        return new MemoryEmbeddingOptions
        {
            Endpoint = string.IsNullOrWhiteSpace(endpoint) ? null : new Uri(endpoint),
            Model = read("KEEL_EMBEDDINGS_MODEL"),
            ApiKey = read("KEEL_EMBEDDINGS_API_KEY"),
            Dimensions = int.TryParse(dimensions, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : null,
        };
    }
}
