using System.Diagnostics.CodeAnalysis;
using Keel.Budgets;
using Keel.Pricing;
using Keel.Resilience;
using Keel.Routing;
using Keel.Tasks;
using Keel.Workers;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Hosting;

/// <summary>
/// What <see cref="KeelServiceCollectionExtensions.AddKeel"/> registers. Anything left unset here is taken from the
/// container when it is registered there (a <see cref="ModelCatalog"/>, a <see cref="PriceTable"/>, a
/// <see cref="BudgetLedger"/>, a <see cref="TimeProvider"/>), so an app can build those from its own configuration.
/// The store is always the app's: register an <see cref="Storage.IKeelStore"/> (SQLite or PostgreSQL).
/// </summary>
public sealed class KeelBuilder
{
    internal KeelBuilder(IServiceCollection services)
    {
        Services = services;
    }

    public IServiceCollection Services { get; }

    /// <summary>The model aliases agents call and their deployments; null takes the container's <see cref="ModelCatalog"/>.</summary>
    public ModelCatalog? Models { get; set; }

    /// <summary>Retries, timeouts and circuit breakers of every deployment; null keeps Keel's defaults.</summary>
    public ResilienceOptions? Resilience { get; set; }

    /// <summary>Prices every call is metered at; null takes the container's table, else the one Keel ships.</summary>
    public PriceTable? Prices { get; set; }

    /// <summary>How long a task's lease lasts without a heartbeat; null keeps the runtime's default.</summary>
    public TimeSpan? Lease { get; set; }

    internal WorkerOptions? Workers { get; private set; }

    /// <summary>Makes an agent runnable by name: by <see cref="AgentRuntime.RunAsync"/> callers and by the workers.</summary>
    public KeelBuilder AddAgent(IAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        Services.AddSingleton(agent);
        return this;
    }

    /// <summary>Makes an agent runnable by name, built by the container (so it can take services).</summary>
    public KeelBuilder AddAgent<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TAgent>()
        where TAgent : class, IAgent
    {
        Services.AddSingleton<IAgent, TAgent>();
        return this;
    }

    /// <summary>
    /// Caps every model and tool call with the budgets in the store (reserved before, settled after). Without it,
    /// a <see cref="BudgetLedger"/> registered in the container is used if there is one; otherwise calls run uncapped.
    /// </summary>
    public KeelBuilder UseBudgets()
    {
        Services.AddSingleton(services => new BudgetLedger(
            services.GetRequiredService<Storage.IKeelStore>(), services.GetService<TimeProvider>(), services.GetService<BudgetAlerts>()));
        return this;
    }

    /// <summary>
    /// Runs a worker pool as a hosted service for as long as the host runs: it claims queued tasks of the registered
    /// agents, resumes parked and crashed ones, and on shutdown hands its running tasks back to the queue.
    /// Called again, the last options win.
    /// </summary>
    public KeelBuilder AddWorkers(WorkerOptions? options = null)
    {
        Workers = options ?? new WorkerOptions();
        return this;
    }
}
