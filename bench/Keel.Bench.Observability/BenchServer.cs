using System.Diagnostics;
using System.Net.Http.Headers;
using Keel.Access;
using Keel.Server.Access;
using Keel.Server.Hosting;
using Keel.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Bench.Observability;

/// <summary>
/// A real Keel server (<see cref="KeelServer"/>, Kestrel on a loopback port) over a database file, in this process,
/// with the admin token it issued, and a client that times each request both at the server (<see cref="ServerTimer"/>)
/// and end to end over loopback.
/// </summary>
internal sealed class BenchServer : IAsyncDisposable
{
    private readonly ServerTimer _timer;

    private BenchServer(WebApplication app, Uri address, ServerTimer timer)
    {
        App = app;
        _timer = timer;
        Http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
        AdminToken = app.Services.GetRequiredService<IssuedAdminToken>().Secret
            ?? throw new InvalidOperationException("The database already had an admin token; the bench needs a fresh copy.");
    }

    public WebApplication App { get; }

    public HttpClient Http { get; }

    public string AdminToken { get; }

    public IKeelStore Store => App.Services.GetRequiredService<IKeelStore>();

    public sealed record Reply(int Status, byte[] Body, double ServerMs, double ClientMs);

    public static async Task<BenchServer> StartAsync(string dbPath)
    {
        var timer = new ServerTimer();
        var app = await KeelServer.BuildAsync(new KeelServerOptions { DbPath = dbPath, Urls = "http://127.0.0.1:0" });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new BenchServer(app, new Uri(address.TrimEnd('/') + "/"), timer);
    }

    /// <summary>A customer's API key, made now.</summary>
    public async Task<string> CustomerKeyAsync(string customerId)
    {
        var (key, secret) = ApiKeySecrets.Create(customerId, "bench", DateTimeOffset.UtcNow);
        await Store.CreateApiKeyAsync(key);
        return secret;
    }

    public async Task<Reply> GetAsync(string path, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? AdminToken);
        var t0 = Stopwatch.GetTimestamp();
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        var body = await response.Content.ReadAsByteArrayAsync();
        var client = Stats.MsSince(t0);
        return new Reply((int)response.StatusCode, body, _timer.Next(), client);
    }

    /// <summary>The server time of the next request that ended (for requests sent without <see cref="GetAsync"/>).</summary>
    public double NextServerMs() => _timer.Next();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        _timer.Dispose();
    }
}
