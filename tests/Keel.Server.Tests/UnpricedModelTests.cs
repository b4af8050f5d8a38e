using Keel.Pricing;
using Keel.Server.Configuration;
using Keel.Server.Hosting;
using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>A gateway that could serve a model it cannot price refuses to start: a call is never priced at $0.</summary>
public sealed class UnpricedModelTests
{
    [Fact]
    public async Task A_deployment_of_an_unpriced_model_stops_the_server_at_start_naming_the_field()
    {
        UpstreamKey.Ensure();
        var folder = Directory.CreateTempSubdirectory("keel-server-unpriced-").FullName;
        try
        {
            var config = Path.Combine(folder, "keel.yaml");
            await File.WriteAllTextAsync(config, $"""
                providers:
                  upstream:
                    type: "openai"
                    base_url: "http://127.0.0.1:9/v1"
                    api_key_env: "{UpstreamKey.Variable}"
                deployments:
                  main:
                    provider: "upstream"
                    model: "gpt-4o-mini"
                  backup:
                    provider: "upstream"
                    model: "acme-secret-model-7"
                models:
                  chat:
                    deployments: ["main", "backup"]
                """, TestContext.Current.CancellationToken);
            var options = new KeelServerOptions { DbPath = Path.Combine(folder, "keel.db"), ConfigPath = config, Urls = "http://127.0.0.1:0" };

            var error = await Assert.ThrowsAsync<GatewayConfigException>(() => KeelServer.BuildAsync(options, TestContext.Current.CancellationToken));

            Assert.Contains("deployments.backup.model", error.Message, StringComparison.Ordinal);
            Assert.Contains("acme-secret-model-7", error.Message, StringComparison.Ordinal);

            // Priced through --prices, the same config starts.
            using var extra = new MemoryStream("""{ "models": { "acme-secret-model-7": { "input": 1, "cached_input": 0.5, "output": 2 } } }"""u8.ToArray());
            var prices = PriceTable.Default.With(PriceTable.Load(extra, "extra.json"));
            await using var app = await KeelServer.BuildAsync(options with { Prices = prices }, TestContext.Current.CancellationToken);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
