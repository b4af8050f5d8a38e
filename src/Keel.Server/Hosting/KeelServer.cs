using System.Net;
using Keel.Budgets;
using Keel.Metering;
using Keel.Resilience;
using Keel.Server.Access;
using Keel.Server.Configuration;
using Keel.Server.Gateway;
using Keel.Server.Otlp;
using Keel.Server.Recording;
using Keel.Server.Routing;
using Keel.Storage;
using Keel.Storage.Sqlite;
using Keel.Telemetry.Export;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Keel.Server.Hosting;

/// <summary>Builds the Keel server: Kestrel, the store, the gateway's services and its endpoints.</summary>
public static class KeelServer
{
    /// <exception cref="GatewayConfigException">The config file is invalid; the message names the field.</exception>
    /// <exception cref="StoreException">The database cannot be opened.</exception>
    public static async Task<WebApplication> BuildAsync(KeelServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.InsecureLocal)
        {
            LoopbackUrls.RequireForInsecureLocal(options.Urls);
        }

        var config = options.ConfigPath is null ? null : GatewayConfigLoader.Load(options.ConfigPath, options.Prices);
        var store = await SqliteKeelStore.OpenAsync(options.DbPath, cancellationToken: cancellationToken).ConfigureAwait(false);
        // The first start on a database makes the admin token; with --insecure-local none is needed yet, so none is made.
        var adminToken = options.InsecureLocal && !options.NewAdminToken
            ? null
            : await AdminTokens.EnsureAsync(store, options.NewAdminToken, cancellationToken).ConfigureAwait(false);

        // The empty builder: no config files to watch, no default middleware; only what the gateway uses.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        builder.WebHost.UseUrls(options.Urls);
        // Requests run on the socket threads; ThreadPoolHop sends all but the chat route back to the thread pool.
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // the gateway enforces its own limit, with an OpenAI-shaped 413
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Hosting starts an Activity and a log scope for every request whenever its own category logs at any level,
        // though it only logs request starts and ends (Information, below the minimum). Off, that is ~2 % of a gateway
        // call's CPU saved; unhandled exceptions are still logged, by Kestrel.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        // Spans recorded from here on (gateway, workers, API) also leave over OTLP when asked (OTEL_EXPORTER_OTLP_*).
        var exportLogging = options.OtlpExport is null ? null : LoggerFactory.Create(log => log.AddSimpleConsole(console => console.SingleLine = true));
        var exporter = options.OtlpExport is { } otlp ? new OtlpSpanExporter(otlp, logger: exportLogging!.CreateLogger<OtlpSpanExporter>()) : null;
        if (exporter is not null)
        {
            store.AddCommitObserver(exporter);
        }

        var services = builder.Services;
        services.AddSingleton(options.TimeProvider);
        services.AddSingleton<IKeelStore>(store);
        if (exporter is not null)
        {
            services.AddSingleton(exporter);
        }

        // Received spans are committed as ingested (StepCommit.Ingested): they came from an OpenTelemetry pipeline and the
        // exporter does not send them back out.
        services.AddSingleton(sp => new OtlpIngestor(store, options.Prices, sp.GetRequiredService<ILogger<OtlpIngestor>>()));
        services.AddSingleton(options.Prices);
        services.AddSingleton(new UsageMeter(options.Prices));
        services.AddSingleton(_ => new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            AllowAutoRedirect = false, // an upstream that redirects a POST is misconfigured; say so rather than follow
            ConnectTimeout = TimeSpan.FromSeconds(10),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each attempt has its own deadline
        });
        services.AddSingleton(sp => config is null
            ? GatewayCatalog.Simulated(options.Prices, options.TimeProvider)
            : GatewayCatalog.FromConfig(config, options.Prices, sp.GetRequiredService<HttpClient>(), options.TimeProvider));
        services.AddSingleton(sp =>
        {
            var catalog = sp.GetRequiredService<GatewayCatalog>();
            return new ResilientModelCaller(catalog.Models, catalog.Resilience, options.TimeProvider);
        });
        services.AddSingleton<LatencyTracker>();
        services.AddSingleton<RoutePlanner>();
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddSingleton<TaskDirectory>();
        services.AddSingleton<SessionDirectory>();
        services.AddSingleton<CallContextResolver>();
        services.AddSingleton<StepWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<StepWriter>());
        services.AddSingleton<GatewayStepRecorder>();
        services.AddSingleton(sp => new BudgetAlerts(store, sp.GetRequiredService<HttpClient>()));
        services.AddSingleton(sp => new BudgetLedger(store, options.TimeProvider, sp.GetRequiredService<BudgetAlerts>()));
        services.AddSingleton<ChatCompletionsEndpoint>();
        services.AddSingleton(options);
        services.AddSingleton(new IssuedAdminToken(adminToken));
        services.AddSingleton<DashboardAuthenticator>();
        services.AddSingleton<Dashboard.Api.CustomerNames>();
        Api.MemoryServices.AddKeelMemoryInterfaces(services, ingestInBackground: true);
        Mcp.KeelMcpServer.AddKeelMcpHttp(services);
        Api.BillingEndpoints.AddKeelBilling(services);
        var workers = options.Workers?.Invoke(store);
        if (workers is not null)
        {
            services.AddSingleton(workers);
            services.AddHostedService(sp => new ServerWorkerPool(workers, sp.GetRequiredService<ILogger<ServerWorkerPool>>()));
        }

        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));

        var app = builder.Build();
        app.UseThreadPoolExceptForChat();
        GatewayEndpoints.Map(app);
        Dashboard.Api.DashboardApi.Map(app);
        Dashboard.DashboardStaticFiles.Map(app);
        app.Lifetime.ApplicationStopped.Register(() => store.DisposeAsync().AsTask().GetAwaiter().GetResult());
        if (exporter is not null)
        {
            // Registered after the store's, so it runs first: the last spans leave before the store closes.
            app.Lifetime.ApplicationStopped.Register(() =>
            {
                exporter.DisposeAsync().AsTask().GetAwaiter().GetResult();
                exportLogging!.Dispose();
            });
        }

        return app;
    }
}
