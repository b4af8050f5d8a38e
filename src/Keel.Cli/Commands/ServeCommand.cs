using System.CommandLine;
using Keel.Samples.Demo;
using Keel.Server.Access;
using Keel.Server.Configuration;
using Keel.Server.Hosting;
using Keel.Server.Routing;
using Keel.Storage;
using Keel.Telemetry.Export;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Keel.Cli.Commands;

/// <summary>`keel serve`: the OpenAI-compatible gateway.</summary>
internal static class ServeCommand
{
    public static Command Create(CliConsole console)
    {
        var db = CommonOptions.Db();
        var prices = CommonOptions.Prices();
        var config = new Option<FileInfo?>("--config")
        {
            Description = "Gateway config (JSON or YAML): providers, deployments, model aliases, retries. Without it, the demo's simulated models are served.",
            HelpName = "FILE",
        };
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen.",
            DefaultValueFactory = _ => KeelServerOptions.DefaultUrls,
            HelpName = "URL",
        };
        var insecureLocal = new Option<bool>("--insecure-local")
        {
            Description = "Serve the dashboard and its API without a token. Refused unless every --urls address is loopback.",
        };
        var newAdminToken = new Option<bool>("--new-admin-token")
        {
            Description = "Make a new admin token (printed once) and retire the old one: for a token that was lost or leaked.",
        };
        var workers = new Option<int>("--workers")
        {
            Description = "Tasks of the sample agents run at once by the server's own worker pool, so approvals decided and replays started in the dashboard run; 0 runs none (use `keel worker`).",
            DefaultValueFactory = _ => 8,
            HelpName = "N",
        };
        CommonOptions.AtLeast(workers, 0);
        var seed = CommonOptions.Seed();
        var command = new Command("serve", """
            Run the OpenAI-compatible gateway: POST /v1/chat/completions (streaming too), GET /v1/models, GET /healthz.
            Point any OpenAI client's base URL at it (http://127.0.0.1:8420/v1) with a Keel key from `keel keys create`.
            Every call is routed, retried, fallen back, traced and priced into the database.
            The dashboard is at / and its API at /api: sign in with the admin token, printed once on the first start on a
            database, or with a customer's API key, which sees only that customer's tasks.
            Memory: /v1/memories (add, list, search, forget, context) and an MCP server at /mcp (streamable HTTP).
            Billing: /v1/billing (events, plans, subscriptions, invoices, credit notes, margin).
            All of them take the same bearer keys: a customer's key acts as that customer only.
            """)
        {
            db, config, urls, prices, insecureLocal, newAdminToken, workers, seed,
        };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            var loadedPrices = CommonOptions.LoadPrices(parse.GetValue(prices));
            var options = new KeelServerOptions
            {
                DbPath = parse.GetValue(db)!,
                ConfigPath = parse.GetValue(config)?.FullName,
                Urls = parse.GetValue(urls)!,
                Prices = loadedPrices,
                InsecureLocal = parse.GetValue(insecureLocal),
                NewAdminToken = parse.GetValue(newAdminToken),
                Workers = DemoWorkers(parse.GetValue(workers), loadedPrices, parse.GetValue(seed)),
                OtlpExport = CliTelemetry.Options(console),
            };
            SocketCompletions.InlineUnlessConfigured();
            await using var app = await KeelServer.BuildAsync(options, cancellationToken).ConfigureAwait(false);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);

            // The bound addresses, not the configured ones: with port 0 only these say where the gateway is.
            var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
            var catalog = app.Services.GetRequiredService<GatewayCatalog>();
            var keys = await app.Services.GetRequiredService<IKeelStore>().ListApiKeysAsync(cancellationToken).ConfigureAwait(false);
            await console.ErrorWriter.WriteLineAsync($"keel: gateway listening on {string.Join(", ", addresses)} (OpenAI base URL: {addresses.First().TrimEnd('/')}/v1)").ConfigureAwait(false);
            await console.ErrorWriter.WriteLineAsync($"keel: models: {string.Join(", ", catalog.Routes.Select(r => r.Alias).Order(StringComparer.Ordinal))}; database: {options.DbPath}").ConfigureAwait(false);
            if (keys.Count == 0)
            {
                await console.ErrorWriter.WriteLineAsync("keel: no API keys yet; create one with `keel keys create --customer NAME`.").ConfigureAwait(false);
            }

            await console.ErrorWriter.WriteLineAsync($"keel: dashboard: {addresses.First().TrimEnd('/')}/").ConfigureAwait(false);
            await console.ErrorWriter.WriteLineAsync($"keel: OTLP traces in: {addresses.First().TrimEnd('/')}/v1/traces (protobuf or JSON, with an API key or the admin token)").ConfigureAwait(false);
            await console.ErrorWriter.WriteLineAsync($"keel: MCP (memory and tool state): {addresses.First().TrimEnd('/')}/mcp (with an API key)").ConfigureAwait(false);
            if (options.OtlpExport is { } export)
            {
                await console.ErrorWriter.WriteLineAsync($"keel: OTLP traces out: {export.Endpoint} ({(export.Protocol == OtlpProtocol.HttpJson ? "http/json" : "http/protobuf")}"
                    + (export.CaptureMessageContent ? ", with message content" : "") + ")").ConfigureAwait(false);
            }

            if (app.Services.GetRequiredService<IssuedAdminToken>().Secret is { } adminToken)
            {
                await console.ErrorWriter.WriteLineAsync($"keel: admin token: {adminToken}").ConfigureAwait(false);
                await console.ErrorWriter.WriteLineAsync("keel: it is shown only this once and stored hashed; copy it now. `keel serve --new-admin-token` replaces it.").ConfigureAwait(false);
            }

            if (options.InsecureLocal)
            {
                await console.ErrorWriter.WriteLineAsync("keel: --insecure-local: the dashboard and its API need no token (loopback only).").ConfigureAwait(false);
            }

            if (app.Services.GetService<KeelServerWorkers>() is { } pool)
            {
                await console.ErrorWriter.WriteLineAsync($"keel: {parse.GetValue(workers)} workers run the sample agents ({string.Join(", ", pool.Agents)}): approvals and replays from the dashboard run here.").ConfigureAwait(false);
            }

            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The demo's agents on a pool of <paramref name="concurrency"/> workers, made over the server's own store (the
    /// server itself knows no agents); null for 0.
    /// </summary>
    private static Func<IKeelStore, KeelServerWorkers>? DemoWorkers(int concurrency, Keel.Pricing.PriceTable prices, int seed) =>
        concurrency == 0 ? null : store =>
        {
            var host = new DemoHost(store, prices, seed);
            return new KeelServerWorkers
            {
                Agents = [.. host.Agents.Names.Order(StringComparer.Ordinal)],
                Models = DemoDeployments.Catalog(seed),
                RunAsync = async cancellationToken =>
                {
                    using (host)
                    {
                        await host.Workers(concurrency).RunAsync(cancellationToken).ConfigureAwait(false);
                    }
                },
            };
        };
}
