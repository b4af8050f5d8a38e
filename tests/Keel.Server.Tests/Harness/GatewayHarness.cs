using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Keel.Access;
using Keel.MockUpstream;
using Keel.Server.Access;
using Keel.Server.Hosting;
using Keel.Server.Recording;
using Keel.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;
using Xunit;

namespace Keel.Server.Tests.Harness;

/// <summary>
/// The real gateway (Kestrel on a loopback port, a SQLite file, a config file) in front of an in-process mock
/// upstream, with one customer's key ready, for one test.
/// </summary>
internal sealed class GatewayHarness : IAsyncDisposable
{
    private readonly string _folder;

    private GatewayHarness(MockUpstreamServer mock, WebApplication app, Uri address, string folder)
    {
        Mock = mock;
        App = app;
        Address = address;
        _folder = folder;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public MockUpstreamServer Mock { get; }

    public WebApplication App { get; }

    /// <summary>Like <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Address { get; }

    /// <summary>No default headers: each request says which key it carries, if any.</summary>
    public HttpClient Http { get; }

    public string CustomerId { get; private set; } = "";

    /// <summary>The Keel key secret (<c>keel_sk_...</c>) of <see cref="CustomerId"/>.</summary>
    public string Key { get; private set; } = "";

    public IKeelStore Store => App.Services.GetRequiredService<IKeelStore>();

    /// <summary>The admin token this server made when it started on its new database (null with <c>--insecure-local</c>).</summary>
    public string? AdminToken => App.Services.GetRequiredService<IssuedAdminToken>().Secret;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <param name="json">Write the config as JSON; YAML otherwise.</param>
    /// <param name="options">Changes the server's options (access, workers) before it is built.</param>
    public static async Task<GatewayHarness> StartAsync(Action<GatewaySetup> configure, bool json = false, Func<KeelServerOptions, KeelServerOptions>? options = null)
    {
        UpstreamKey.Ensure();
        var mock = await MockUpstreamServer.StartAsync(0, Ct);
        var folder = Directory.CreateTempSubdirectory("keel-server-tests-").FullName;
        try
        {
            var setup = new GatewaySetup(mock);
            configure(setup);
            var configPath = Path.Combine(folder, json ? "keel.json" : "keel.yaml");
            await File.WriteAllTextAsync(configPath, json ? setup.ToJson() : setup.ToYaml(), Ct);
            var serverOptions = new KeelServerOptions
            {
                DbPath = Path.Combine(folder, "keel.db"),
                ConfigPath = configPath,
                Urls = "http://127.0.0.1:0",
            };
            var app = await KeelServer.BuildAsync(options?.Invoke(serverOptions) ?? serverOptions, Ct);
            await app.StartAsync(Ct);
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            var harness = new GatewayHarness(mock, app, new Uri(address.TrimEnd('/') + "/"), folder);
            (harness.CustomerId, harness.Key) = await harness.CreateKeyAsync("acme");
            return harness;
        }
        catch
        {

            await mock.DisposeAsync();
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <summary>A customer (created on first use) and a fresh key of theirs.</summary>
    public async Task<(string CustomerId, string Secret)> CreateKeyAsync(string customer)
    {
        var owner = await Store.EnsureCustomerAsync(customer, Ct);
        var (key, secret) = ApiKeySecrets.Create(owner.Id, "test", DateTimeOffset.UtcNow);
        await Store.CreateApiKeyAsync(key, Ct);
        return (owner.Id, secret);
    }

    /// <summary>Waits until every step the gateway has answered for so far is in the store.</summary>
    public Task FlushAsync() => App.Services.GetRequiredService<StepWriter>().FlushAsync(Ct);

    /// <summary>The official OpenAI SDK pointed at the gateway, with its own retries off so tests see Keel's.</summary>
    public OpenAIClient OpenAi(string? key = null) => new(new ApiKeyCredential(key ?? Key), new OpenAIClientOptions
    {
        Endpoint = new Uri(Address, "v1"),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = TimeSpan.FromSeconds(30),
    });

    public ChatClient Chat(string alias = "chat", string? key = null) => OpenAi(key).GetChatClient(alias);

    /// <summary>Posts a chat completion body; returns once the head is in, so streams can be read as they come.</summary>
    public Task<HttpResponseMessage> PostChatAsync(JsonObject body, string? key = null, IEnumerable<KeyValuePair<string, string>>? headers = null) =>
        PostChatAsync(body.ToJsonString(), key ?? Key, headers);

    public Task<HttpResponseMessage> PostChatAsync(string body, string? key, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        return SendAsync(request, key, headers);
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string? key, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
    }

    /// <summary>Posts a non-streamed body and returns the status, the headers and the parsed JSON answer.</summary>
    public async Task<GatewayAnswer> CompleteAsync(JsonObject body, string? key = null, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var response = await PostChatAsync(body, key, headers);
        return await GatewayAnswer.ReadAsync(response);
    }

    /// <summary>The upstream requests the mock received for chat completions under <paramref name="spec"/>.</summary>
    public IReadOnlyList<JsonObject> UpstreamBodies(string spec = "") =>
        [.. Mock.Requests.Where(r => r.Spec == spec && r.Path == "/v1/chat/completions").Select(r => JsonNode.Parse(r.Body)!.AsObject())];

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();

        await Mock.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>A whole non-streamed gateway answer.</summary>
internal sealed record GatewayAnswer(int Status, HttpResponseHeaders Headers, string Text)
{
    public JsonElement Json => JsonDocument.Parse(Text).RootElement;

    public string Header(string name) => Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    public static async Task<GatewayAnswer> ReadAsync(HttpResponseMessage response) =>
        new((int)response.StatusCode, response.Headers, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
}
