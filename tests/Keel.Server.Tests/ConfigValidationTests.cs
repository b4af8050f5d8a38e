using System.Text.Json;
using System.Text.Json.Nodes;
using Keel.Server.Configuration;
using Keel.Server.Hosting;
using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>A config the gateway cannot run with is refused at start, with a message that names the bad field.</summary>
public sealed class ConfigValidationTests
{
    private const string UnsetVariable = "KEEL_SERVER_TESTS_NEVER_SET";

    /// <summary>A bad config: what is changed in a valid one, and what the error must say.</summary>
    private static readonly Dictionary<string, (Action<JsonObject> Break, string[] Expected)> Cases = new()
    {
        ["unknown provider type"] = (c => c["providers"]!["upstream"]!["type"] = "azure", ["providers.upstream.type", "azure"]),
        ["deployment with an unknown provider"] = (c => c["deployments"]!["main"]!["provider"] = "nowhere", ["deployments.main.provider", "nowhere"]),
        ["alias with an unknown deployment"] = (c => c["models"]!["chat"]!["deployments"] = new JsonArray("main", "ghost"), ["models.chat.deployments[1]", "ghost"]),
        ["misspelt field"] = (c => c["providers"]!["upstream"]!["base_ur"] = "http://127.0.0.1:9/v1", ["providers.upstream", "base_ur"]),
        ["misspelt section"] = (c => c["retyr"] = new JsonObject { ["max_retries"] = 1 }, ["retyr"]),
        ["text where a number belongs"] = (c => c["deployments"]!["main"]!["context_window"] = "large", ["deployments.main.context_window", "wrong type"]),
        ["text where a boolean belongs"] = (c => c["deployments"]!["main"]!["supports_tools"] = "yes", ["deployments.main.supports_tools", "wrong type"]),
        ["model without a price"] = (c => c["deployments"]!["main"]!["model"] = "gpt-imaginary", ["deployments.main.model", "gpt-imaginary"]),
        ["base_url that is not http"] = (c => c["providers"]!["upstream"]!["base_url"] = "ftp://127.0.0.1/v1", ["providers.upstream.base_url"]),
        ["base_url that is not a URL"] = (c => c["providers"]!["upstream"]!["base_url"] = "localhost:8080", ["providers.upstream.base_url"]),
        ["api_key_env not set"] = (c => c["providers"]!["upstream"]!["api_key_env"] = UnsetVariable, ["providers.upstream.api_key_env", UnsetVariable]),
        ["unknown policy"] = (c => c["models"]!["chat"]!["policy"] = "random", ["models.chat.policy", "random"]),
        ["no alias"] = (c => c["models"] = new JsonObject(), ["models"]),
        ["empty section"] = (c => c["models"] = null, ["models"]), // YAML: a key with nothing under it
        ["empty settings section"] = (c => c["retry"] = null, ["retry"]),
        ["empty deployment"] = (c => c["deployments"]!["main"] = null, ["deployments.main"]),
        ["empty provider"] = (c => c["providers"]!["upstream"] = null, ["providers.upstream"]),
        ["alias without its deployment list"] = (c => c["models"]!["chat"]!["deployments"] = null, ["models.chat.deployments"]),
        ["too many retries"] = (c => c["retry"] = new JsonObject { ["max_retries"] = 50 }, ["retry.max_retries"]),
        ["attempt timeout Polly refuses"] = (c => c["retry"] = new JsonObject { ["attempt_timeout_ms"] = 5 }, ["retry.attempt_timeout_ms"]),
        ["breaker break Polly refuses"] = (c => c["circuit_breaker"] = new JsonObject { ["break_ms"] = 100 }, ["circuit_breaker.break_ms"]),
        ["breaker window Polly refuses"] = (c => c["circuit_breaker"] = new JsonObject { ["sampling_ms"] = 100 }, ["circuit_breaker.sampling_ms"]),
    };

    public static TheoryData<string, bool> BadConfigs() =>
        new(Cases.Keys.SelectMany(name => new[] { (name, false), (name, true) }));

    private static JsonObject Valid() => new()
    {
        ["providers"] = new JsonObject { ["upstream"] = new JsonObject { ["type"] = "openai", ["base_url"] = "http://127.0.0.1:9/v1", ["api_key_env"] = UpstreamKey.Variable } },
        ["deployments"] = new JsonObject { ["main"] = new JsonObject { ["provider"] = "upstream", ["model"] = "gpt-4o-mini" } },
        ["models"] = new JsonObject { ["chat"] = new JsonObject { ["deployments"] = new JsonArray("main") } },
    };

    private static string Text(JsonObject config, bool yaml) =>
        yaml ? GatewaySetup.Yaml(config) : config.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_valid_config_parses(bool yaml)
    {
        UpstreamKey.Ensure();

        var config = GatewayConfigLoader.Parse(Text(Valid(), yaml), "keel.conf", yaml);

        Assert.Equal("gpt-4o-mini", config.Deployments["main"].Model);
        Assert.Equal(["main"], config.Models["chat"].Deployments);
        Assert.Equal("ordered", config.Models["chat"].Policy);
    }

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void A_bad_config_names_the_field(string problem, bool yaml)
    {
        UpstreamKey.Ensure();
        var (breakIt, expected) = Cases[problem];
        var config = Valid();
        breakIt(config);

        var error = Assert.Throws<GatewayConfigException>(() => GatewayConfigLoader.Parse(Text(config, yaml), "keel.conf", yaml));

        Assert.StartsWith("keel.conf", error.Message, StringComparison.Ordinal);
        Assert.All(expected, part => Assert.Contains(part, error.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Broken_YAML_names_the_line()
    {
        var error = Assert.Throws<GatewayConfigException>(() =>
            GatewayConfigLoader.Parse("providers:\n  upstream:\n    type: openai\n   base_url: [\n", "keel.yaml", isYaml: true));

        Assert.Contains("keel.yaml", error.Message, StringComparison.Ordinal);
        Assert.Contains("line", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_server_refuses_to_build_from_a_bad_file_or_a_missing_one()
    {
        UpstreamKey.Ensure();
        var folder = Directory.CreateTempSubdirectory("keel-server-config-").FullName;
        try
        {
            var config = Valid();
            config["deployments"]!["main"]!["provider"] = "nowhere";
            var path = Path.Combine(folder, "keel.yaml");
            await File.WriteAllTextAsync(path, GatewaySetup.Yaml(config), TestContext.Current.CancellationToken);

            var bad = await Assert.ThrowsAsync<GatewayConfigException>(() => KeelServer.BuildAsync(
                new KeelServerOptions { DbPath = Path.Combine(folder, "keel.db"), ConfigPath = path, Urls = "http://127.0.0.1:0" }, TestContext.Current.CancellationToken));
            var missing = await Assert.ThrowsAsync<GatewayConfigException>(() => KeelServer.BuildAsync(
                new KeelServerOptions { DbPath = Path.Combine(folder, "keel.db"), ConfigPath = Path.Combine(folder, "absent.yaml"), Urls = "http://127.0.0.1:0" }, TestContext.Current.CancellationToken));

            Assert.Contains(path, bad.Message, StringComparison.Ordinal);
            Assert.Contains("deployments.main.provider", bad.Message, StringComparison.Ordinal);
            Assert.Contains("absent.yaml", missing.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
