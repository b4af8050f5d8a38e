using Keel.Budgets;
using Keel.Memory;
using Keel.Metering;
using Keel.Pricing;
using Keel.Resilience;
using Keel.Routing;
using Keel.Storage;
using Keel.Tasks;
using Keel.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Keel.Hosting;

/// <summary>Registers Keel's durable runtime with a .NET host.</summary>
public static class KeelServiceCollectionExtensions
{
    /// <summary>
    /// Registers an <see cref="AgentRuntime"/> (with its <see cref="ResilientModelCaller"/> and <see cref="UsageMeter"/>),
    /// an <see cref="AgentRegistry"/> of the agents added, and, with <see cref="KeelBuilder.AddWorkers"/>, a
    /// <see cref="TaskWorkerPool"/> run by a hosted service. An <see cref="ISessionContextSource"/> in the container
    /// (Keel.Memory's <c>AddKeelMemory</c> registers one) gives tasks in a session their starting context. The app registers the <see cref="IKeelStore"/>; Keel's
    /// runtime never picks a storage engine. Services already registered are kept, so an app can replace any part.
    /// </summary>
    /// <example>
    /// <code>
    /// builder.Services.AddSingleton&lt;IKeelStore&gt;(await SqliteKeelStore.OpenAsync("keel.db"));
    /// builder.Services.AddKeel(keel => keel.AddAgent(new ResearchAgent()).UseBudgets().AddWorkers(new() { Concurrency = 8 }));
    /// builder.Services.AddChatClient(openAi).UseKeel(defaultModel: "gpt-4o-mini");
    /// </code>
    /// </example>
    public static IServiceCollection AddKeel(this IServiceCollection services, Action<KeelBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var keel = new KeelBuilder(services);
        configure(keel);

        services.TryAddSingleton(provider => new UsageMeter(keel.Prices ?? provider.GetService<PriceTable>() ?? PriceTable.Default));
        services.TryAddSingleton(provider => new ResilientModelCaller(
            keel.Models ?? provider.GetService<ModelCatalog>()
                ?? throw new InvalidOperationException("AddKeel needs model routes: set KeelBuilder.Models, or register a ModelCatalog."),
            keel.Resilience,
            provider.GetService<TimeProvider>()));
        services.TryAddSingleton(provider =>
        {
            var store = provider.GetService<IKeelStore>()
                ?? throw new InvalidOperationException(
                    "AddKeel needs a store: register an IKeelStore, e.g. services.AddSingleton<IKeelStore>(await SqliteKeelStore.OpenAsync(\"keel.db\")).");
            var models = provider.GetRequiredService<ResilientModelCaller>();
            var meter = provider.GetRequiredService<UsageMeter>();
            var time = provider.GetService<TimeProvider>();
            var budgets = provider.GetService<BudgetLedger>();
            var sessionContext = provider.GetService<ISessionContextSource>();
            return keel.Lease is { } lease
                ? new AgentRuntime(store, models, meter, time, budgets) { Lease = lease, SessionContext = sessionContext }
                : new AgentRuntime(store, models, meter, time, budgets) { SessionContext = sessionContext };
        });
        services.TryAddSingleton(provider => new AgentRegistry(provider.GetServices<IAgent>()));

        if (keel.Workers is { } workers)
        {
            services.TryAddSingleton(provider => new TaskWorkerPool(provider.GetRequiredService<AgentRuntime>(), provider.GetRequiredService<AgentRegistry>(), workers));
            services.AddHostedService<KeelWorkerService>();
        }

        return services;
    }
}
