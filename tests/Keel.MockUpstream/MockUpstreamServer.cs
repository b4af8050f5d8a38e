using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Keel.MockUpstream;

/// <summary>
/// A fault-injecting mock of an OpenAI-compatible upstream and of the Anthropic Messages API, on Kestrel bound
/// to 127.0.0.1. Requests to <c>/v1/...</c> behave normally; <c>/s/{spec}/v1/...</c> applies a scenario such
/// as <c>status=429,retry-after=1,rate=0.5</c>, so one server can stand in for many differently-behaved providers.
/// </summary>
public sealed class MockUpstreamServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping;
    private readonly ScenarioRegistry _scenarios;
    private readonly RequestLog _log;

    private MockUpstreamServer(WebApplication app, CancellationTokenSource stopping, ScenarioRegistry scenarios, RequestLog log, Uri baseAddress)
    {
        _app = app;
        _stopping = stopping;
        _scenarios = scenarios;
        _log = log;
        BaseAddress = baseAddress;
    }

    /// <summary>Like <c>http://127.0.0.1:PORT/</c>; an OpenAI client's base URL is this plus <c>v1/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Requests received, oldest first (a snapshot), up to <see cref="MaxRecordedRequests"/> of the latest.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _log.Snapshot();

    /// <summary>How many recent requests are kept (100,000 by default); 0 stops recording, for benchmarks.</summary>
    public int MaxRecordedRequests
    {
        get => _log.Capacity;
        set => _log.Capacity = value;
    }

    public static async Task<MockUpstreamServer> StartAsync(int port = 0, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);

        // The empty builder reads no configuration and adds no logging providers: nothing to slow requests down
        // or to print besides the listening line.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(options =>
        {
            options.AddServerHeader = false;
            options.Listen(IPAddress.Loopback, port);
        });
        builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(2));

        var app = builder.Build();
        var stopping = new CancellationTokenSource();
        var scenarios = new ScenarioRegistry();
        var log = new RequestLog();
        var handler = new MockRequestHandler(scenarios, log, TimeProvider.System, stopping.Token);
        app.Run(handler.HandleAsync);
        try
        {
            await app.StartAsync(ct);
        }
        catch
        {
            await app.DisposeAsync();
            stopping.Dispose();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new MockUpstreamServer(app, stopping, scenarios, log, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>The base address of a scenario: <c>http://127.0.0.1:PORT/s/{spec}/</c>.</summary>
    public Uri ScenarioAddress(string spec) => new(BaseAddress, "s/" + spec + "/");

    /// <summary>Requests received under <paramref name="spec"/> ("" for the plain path) since start or reset; exact even past the recording cap.</summary>
    public int CountFor(string spec) => (int)_scenarios.CountFor(spec);

    /// <summary>Forgets recorded requests and per-spec counters, so fail-first and rate start over.</summary>
    public void Reset()
    {
        _log.Clear();
        _scenarios.Reset();
    }

    public async ValueTask DisposeAsync()
    {
        // Hung requests and slow streams wait on this token, so stopping does not sit out the shutdown timeout.
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
