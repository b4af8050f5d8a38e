using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Server.Tests.Harness;

/// <summary>
/// A pass-through proxy in front of the mock's Anthropic endpoint. The Anthropic SDK (13.x) sends the API key as
/// <c>Authorization: Bearer</c>; the mock, like Anthropic's older API, insists on <c>x-api-key</c>. The shim copies
/// the bearer token into <c>x-api-key</c> and passes everything else through unchanged, streams as they arrive.
/// Delete it once the mock accepts a bearer key.
/// </summary>
internal sealed class AnthropicKeyShim : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase) { "Host", "Connection", "Transfer-Encoding", "Content-Length", "Keep-Alive" };

    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private AnthropicKeyShim(WebApplication app, HttpClient http, Uri address)
    {
        _app = app;
        _http = http;
        Address = address;
    }

    /// <summary>Like <c>http://127.0.0.1:PORT</c>, with no trailing slash, as an Anthropic base URL.</summary>
    public Uri Address { get; }

    public static async Task<AnthropicKeyShim> StartAsync(Uri target, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var http = new HttpClient { BaseAddress = target, Timeout = Timeout.InfiniteTimeSpan };
        app.Run(context => ForwardAsync(context, http));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new AnthropicKeyShim(app, http, new Uri(address.TrimEnd('/')));
    }

    private static async Task ForwardAsync(HttpContext context, HttpClient http)
    {
        var inbound = context.Request;
        using var request = new HttpRequestMessage(new HttpMethod(inbound.Method), inbound.Path.Value!.TrimStart('/') + inbound.QueryString)
        {
            Content = new StreamContent(inbound.Body),
        };
        foreach (var (name, values) in inbound.Headers)
        {
            if (!HopByHop.Contains(name) && !request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                request.Content.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        var authorization = inbound.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.Ordinal) && !inbound.Headers.ContainsKey("x-api-key"))
        {
            request.Headers.TryAddWithoutValidation("x-api-key", authorization["Bearer ".Length..]);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
        var buffer = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        _http.Dispose();
    }
}
