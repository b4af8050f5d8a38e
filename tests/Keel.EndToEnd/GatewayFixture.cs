using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit;

namespace Keel.EndToEnd;

/// <summary>
/// One mock upstream and one `keel serve` in child processes, on loopback ports they chose themselves, with a
/// temp database, a temp YAML config (<see cref="GatewayConfigFile"/>) and a key made by `keel keys create`.
/// </summary>
public sealed partial class GatewayFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _temp = new();
    private ChildProcess? _mock;
    private ChildProcess? _gateway;

    public string DbPath => _temp.File("keel.db");

    public string ConfigPath => _temp.File("keel.yaml");

    /// <summary>http://127.0.0.1:PORT of the mock upstream.</summary>
    public string MockUrl { get; private set; } = "";

    /// <summary>http://127.0.0.1:PORT of the gateway.</summary>
    public string GatewayUrl { get; private set; } = "";

    /// <summary>What OpenAI clients take as their base URL.</summary>
    public string OpenAiBaseUrl => GatewayUrl + "/v1";

    public string ApiKey { get; private set; } = "";

    public string CustomerId { get; private set; } = "";

    public ChildProcess Gateway => _gateway ?? throw new InvalidOperationException("The gateway has not started.");

    [GeneratedRegex(@"^mock-upstream listening on (http://127\.0\.0\.1:\d+)$")]
    private static partial Regex MockListening();

    [GeneratedRegex(@"^keel: gateway listening on (http://127\.0\.0\.1:\d+)\b")]
    private static partial Regex GatewayListening();

    public async ValueTask InitializeAsync()
    {
        try
        {
            _mock = ChildProcess.Start(Programs.DotnetHost, [Programs.MockUpstreamDll, "--port", "0"]);
            var keyCreated = KeelProcess.RunAsync("keys", "create", "--customer", "e2e-customer", "--db", DbPath, "--json");
            MockUrl = (await _mock.WaitForLineAsync(MockListening(), onStdout: true, StartTimeout)).Groups[1].Value;
            await File.WriteAllTextAsync(ConfigPath, GatewayConfigFile.Yaml(MockUrl), TestContext.Current.CancellationToken);

            var key = await keyCreated;
            Assert.True(key.ExitCode == 0, key.ToString());
            var created = key.Json();
            ApiKey = created["key"]!.GetValue<string>();
            CustomerId = created["customer_id"]!.GetValue<string>();
            Assert.Equal("e2e-customer", created["customer"]!.GetValue<string>());

            _gateway = KeelProcess.Start("serve", "--db", DbPath, "--config", ConfigPath, "--urls", "http://127.0.0.1:0");
            GatewayUrl = (await _gateway.WaitForLineAsync(GatewayListening(), onStdout: false, StartTimeout)).Groups[1].Value;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the gateway as a service manager does (SIGTERM) and returns its exit code.</summary>
    public Task<int> StopGatewayAsync() => Gateway.TerminateAsync(TimeSpan.FromSeconds(30));

    /// <summary>The requests the mock has received under a scenario spec ("" for the plain path), oldest first.</summary>
    public async Task<JsonArray> MockRequestsAsync(string spec)
    {
        using var http = new HttpClient();
        var json = await http.GetStringAsync($"{MockUrl}/_mock/requests?spec={Uri.EscapeDataString(spec)}", TestContext.Current.CancellationToken);
        return JsonNode.Parse(json)!.AsArray();
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_mock is not null)
        {
            await _mock.DisposeAsync();
        }

        _temp.Dispose();
    }
}
