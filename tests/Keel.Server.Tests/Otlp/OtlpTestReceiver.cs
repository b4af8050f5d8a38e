using System.Collections.Concurrent;
using System.IO.Compression;
using Google.Protobuf;
using Keel.Telemetry.Otlp;
using Keel.Telemetry.Otlp.Proto;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Keel.Server.Tests.Otlp;

/// <summary>
/// A stand-in OpenTelemetry collector: Kestrel on a loopback port accepting OTLP/HTTP trace exports (protobuf or
/// JSON, gzip or not) and keeping what it decoded, to check what Keel's exporter sends. It can be told to refuse the
/// next requests with a status, to exercise retries.
/// </summary>
internal sealed class OtlpTestReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _refusals = new();
    private TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private OtlpTestReceiver(WebApplication app) => _app = app;

    /// <summary>Where to export to, <c>/v1/traces</c> included.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Every request that reached the receiver, in order, refused ones included.</summary>
    public ConcurrentQueue<ReceivedExport> Requests { get; } = new();

    /// <summary>Spans of the accepted requests.</summary>
    public IReadOnlyList<Span> Spans => [.. Requests.Where(r => r.Accepted).SelectMany(r => r.Body.ResourceSpans).SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans)];

    public static async Task<OtlpTestReceiver> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddRoutingCore();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpTestReceiver(app);
        app.MapPost("/v1/traces", receiver.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        receiver.Endpoint = new Uri(address.TrimEnd('/') + "/v1/traces");
        return receiver;
    }

    /// <summary>Answers the next request with <paramref name="status"/> (and a <c>Retry-After: 0</c>) instead of accepting it.</summary>
    public void RefuseNext(int status) => _refusals.Enqueue(status);

    /// <summary>Waits until the accepted spans satisfy <paramref name="enough"/>, signalled by each request as it arrives.</summary>
    public async Task<IReadOnlyList<Span>> WaitForAsync(Func<IReadOnlyList<Span>, bool> enough, CancellationToken cancellationToken)
    {
        while (true)
        {
            var received = Volatile.Read(ref _received);
            var spans = Spans;
            if (enough(spans))
            {
                return spans;
            }

            await received.Task.WaitAsync(cancellationToken);
        }
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        var body = http.Request.Headers.ContentEncoding == "gzip" ? new GZipStream(http.Request.Body, CompressionMode.Decompress) : http.Request.Body;
        await body.CopyToAsync(buffer, http.RequestAborted);
        var json = http.Request.ContentType == "application/json";
        var request = json
            ? OtlpJson.ParseRequest(System.Text.Encoding.UTF8.GetString(buffer.ToArray()))
            : ExportTraceServiceRequest.Parser.ParseFrom(buffer.ToArray());
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var refused = _refusals.TryDequeue(out var status);
        Requests.Enqueue(new ReceivedExport(request, headers, json, !refused));
        if (refused)
        {
            http.Response.StatusCode = status;
            http.Response.Headers.RetryAfter = "0";
        }
        else
        {
            http.Response.ContentType = "application/x-protobuf";
            await http.Response.Body.WriteAsync(new ExportTraceServiceResponse().ToByteArray(), http.RequestAborted);
        }

        Interlocked.Exchange(ref _received, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}

/// <summary>One export request as the receiver saw it.</summary>
internal sealed record ReceivedExport(ExportTraceServiceRequest Body, IReadOnlyDictionary<string, string> Headers, bool Json, bool Accepted);
