using Keel.Memory;
using Keel.Memory.Embeddings;
using Keel.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Server.Api;

/// <summary>The memory service every interface calls (REST, MCP, CLI), made the same way for each.</summary>
public static class MemoryServices
{
    /// <summary>
    /// Registers Keel's memory (<see cref="MemoryServiceCollectionExtensions.AddKeelMemory"/>) over the registered
    /// <see cref="IKeelStore"/>, embedding with the endpoint the <c>KEEL_EMBEDDINGS_*</c> variables name, else the local MiniLM model.
    /// </summary>
    /// <param name="ingestInBackground">
    /// Whether this process does memory's background work, turning new session turns into memory and applying
    /// retention policies: yes for <c>keel serve</c>, which records sessions and runs for long; no for <c>keel mcp</c>,
    /// whose life is one client's.
    /// </param>
    public static IServiceCollection AddKeelMemoryInterfaces(this IServiceCollection services, bool ingestInBackground) =>
        services
            .AddSingleton(_ => MemoryEmbeddings.Create(MemoryEmbeddingOptions.FromEnvironment()))
            .AddKeelMemory(memory =>
        {
            memory.Ingestion = memory.Ingestion with { RunInBackground = ingestInBackground };
            memory.Retention = memory.Retention with { RunInBackground = ingestInBackground };
        });

    /// <summary>
    /// A memory service over <paramref name="store"/> for one CLI command, embedding with the endpoint the
    /// <c>KEEL_EMBEDDINGS_*</c> variables name, else the local MiniLM model (as <c>keel serve</c> does).
    /// </summary>
    public static MemoryService Create(IKeelStore store, TimeProvider? time = null) =>
        new(store, MemoryEmbeddings.Create(MemoryEmbeddingOptions.FromEnvironment()), timeProvider: time);
}
