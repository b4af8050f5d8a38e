using System.CommandLine;
using Keel.Server.Configuration;
using Keel.Server.Hosting;
using Keel.Server.Routing;
using Keel.Storage;
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
        var command = new Command("serve", """
            Run the OpenAI-compatible gateway: POST /v1/chat/completions (streaming too), GET /v1/models, GET /healthz.
            Point any OpenAI client's base URL at it (http://127.0.0.1:8420/v1) with a Keel key from `keel keys create`.
            Every call is routed, retried, fallen back, traced and priced into the database.
            """)
        {
            db, config, urls, prices,
        };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            var options = new KeelServerOptions
            {
                DbPath = parse.GetValue(db)!,
                ConfigPath = parse.GetValue(config)?.FullName,
                Urls = parse.GetValue(urls)!,
                Prices = CommonOptions.LoadPrices(parse.GetValue(prices)),
            };
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

            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
