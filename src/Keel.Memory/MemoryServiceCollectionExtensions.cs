using Keel.Memory.Context;
using Keel.Memory.Embeddings;
using Keel.Memory.Ingestion;
using Keel.Memory.Retention;
using Keel.Storage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Keel.Memory;

/// <summary>Registers Keel's agent memory with a .NET host.</summary>
public static class MemoryServiceCollectionExtensions
{
    /// <summary>
    /// Registers the <see cref="MemoryService"/> (over the app's <see cref="IKeelStore"/>), an embedding generator
    /// (the local MiniLM model unless one is registered), the <see cref="ContextAssembler"/> (also as the runtime's
    /// <see cref="ISessionContextSource"/>), the <see cref="SessionMemoryIngestor"/> and the hosted
    /// <see cref="MemoryIngestionService"/> that turns every session turn into episodic memory, and the hosted
    /// <see cref="MemoryRetentionService"/> that applies scopes' retention policies. Services already
    /// registered are kept, so an app can replace any part (an OpenAI-compatible embeddings endpoint, say).
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddSingleton&lt;IKeelStore&gt;(await SqliteKeelStore.OpenAsync("keel.db"));
    /// builder.Services.AddKeelMemory(memory => memory.Ingestion = new() { Interval = TimeSpan.FromSeconds(2) });
    /// builder.Services.AddKeel(keel => keel.AddAgent(new SupportAgent()).AddWorkers());
    /// </code>
    /// </example>
    public static IServiceCollection AddKeelMemory(this IServiceCollection services, Action<KeelMemoryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new KeelMemoryOptions();
        configure?.Invoke(options);

        services.TryAddSingleton(options.Memory);
        services.TryAddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(_ => new MiniLmEmbeddingGenerator());
        services.TryAddSingleton(provider => new MemoryService(
            provider.GetService<IKeelStore>()
                ?? throw new InvalidOperationException("AddKeelMemory needs a store: register an IKeelStore, e.g. services.AddSingleton<IKeelStore>(await SqliteKeelStore.OpenAsync(\"keel.db\"))."),
            provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(),
            provider.GetRequiredService<MemoryOptions>(),
            provider.GetService<TimeProvider>()));
        services.TryAddSingleton(provider => new ContextAssembler(provider.GetRequiredService<MemoryService>(), options.Context));
        if (options.AssembleSessionContext)
        {
            services.TryAddSingleton<ISessionContextSource>(provider => provider.GetRequiredService<ContextAssembler>());
        }

        services.TryAddSingleton(provider => new SessionMemoryIngestor(provider.GetRequiredService<MemoryService>(), options.Ingestion));
        if (options.Ingestion.RunInBackground)
        {
            services.TryAddSingleton(provider => new MemoryIngestionService(
                provider.GetRequiredService<SessionMemoryIngestor>(),
                provider.GetService<TimeProvider>(),
                provider.GetService<ILogger<MemoryIngestionService>>()));
            services.AddHostedService(provider => provider.GetRequiredService<MemoryIngestionService>());
        }

        if (options.Retention.RunInBackground)
        {
            services.TryAddSingleton(provider => new MemoryRetentionService(
                provider.GetRequiredService<IKeelStore>(),
                options.Retention,
                provider.GetService<TimeProvider>(),
                provider.GetService<ILogger<MemoryRetentionService>>()));
            services.AddHostedService(provider => provider.GetRequiredService<MemoryRetentionService>());
        }

        return services;
    }
}
