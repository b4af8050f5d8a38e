using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Keel.Access;
using Keel.Server.Access;
using Keel.Server.Hosting;
using Keel.Server.Recording;
using Keel.Storage;
using Keel.Telemetry.Export;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Keel.Server.Tests.Otlp;

/// <summary>
/// A real Keel server on a loopback port, serving the demo's simulated models (no config, no upstream), with a key
/// of customer "acme": the OTLP receiver's and the gateway exporter's tests run against it.
/// </summary>
internal sealed class OtlpTestServer : IAsyncDisposable
{
    private OtlpTestServer(WebApplication app, Uri address)
    {
        App = app;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public IKeelStore Store => App.Services.GetRequiredService<IKeelStore>();

    public string CustomerId { get; private set; } = "";

    public string Key { get; private set; } = "";

    /// <summary>The admin token the server made on its first start.</summary>
    public string AdminToken => App.Services.GetRequiredService<IssuedAdminToken>().Secret!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<OtlpTestServer> StartAsync(string folder, OtlpExporterOptions? export = null)
    {
        var app = await KeelServer.BuildAsync(new KeelServerOptions
        {
            DbPath = Path.Combine(folder, $"server-{Guid.NewGuid():N}.db"),
            Urls = "http://127.0.0.1:0",
            OtlpExport = export,
        }, Ct);
        await app.StartAsync(Ct);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        var server = new OtlpTestServer(app, new Uri(address.TrimEnd('/') + "/"));
        (server.CustomerId, server.Key) = await server.CreateKeyAsync("acme");
        return server;
    }

    public async Task<(string CustomerId, string Secret)> CreateKeyAsync(string customer)
    {
        var owner = await Store.EnsureCustomerAsync(customer, Ct);
        var (key, secret) = ApiKeySecrets.Create(owner.Id, "test", DateTimeOffset.UtcNow);
        await Store.CreateApiKeyAsync(key, Ct);
        return (owner.Id, secret);
    }

    public async Task<HttpResponseMessage> ChatAsync(string model, string text)
    {
        var body = new JsonObject { ["model"] = model, ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        return await Http.SendAsync(request, Ct);
    }

    /// <summary>Posts an OTLP body to <c>/v1/traces</c>.</summary>
    public async Task<HttpResponseMessage> PostTracesAsync(HttpContent body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/traces") { Content = body };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await Http.SendAsync(request, Ct);
    }

    /// <summary>The task an ingested trace was stored as (found through its trace link); null when none.</summary>
    public async Task<Tasks.AgentTask?> FindTraceTaskAsync(string traceId) =>
        (await Store.GetIngestedTracesAsync([traceId], Ct)).SingleOrDefault()?.Task;

    /// <summary>Waits until the gateway's steps are stored and their spans exported.</summary>
    public async Task FlushAsync()
    {
        await App.Services.GetRequiredService<StepWriter>().FlushAsync(Ct);
        await App.Services.GetRequiredService<OtlpSpanExporter>().FlushAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }
}
