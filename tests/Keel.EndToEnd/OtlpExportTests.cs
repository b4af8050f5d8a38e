using System.Collections.Concurrent;
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
using Xunit;

namespace Keel.EndToEnd;

/// <summary>
/// `keel demo` run with the standard OTEL_EXPORTER_OTLP_* variables sends its spans to the collector they name (a
/// receiver in this test process), with the headers they name, before it exits.
/// </summary>
public sealed class OtlpExportTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private readonly ConcurrentQueue<(Span Span, string? Header)> _received = new();
    private WebApplication? _collector;
    private string _url = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        builder.Services.AddRoutingCore();
        builder.Logging.ClearProviders();
        _collector = builder.Build();
        _collector.MapPost("/v1/traces", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
            foreach (var span in ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray()).ResourceSpans.SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans))
            {
                _received.Enqueue((span, http.Request.Headers["x-tenant"].ToString()));
            }
        });
        await _collector.StartAsync(Ct);
        _url = _collector.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
    }

    public async ValueTask DisposeAsync()
    {
        if (_collector is not null)
        {
            await _collector.DisposeAsync();
        }

        _temp.Dispose();
    }

    [Fact]
    public async Task Keel_demo_exports_its_gen_ai_spans_to_the_endpoint_the_environment_names()
    {
        var db = _temp.File("keel.db");
        await using var demo = ChildProcess.Start(Programs.KeelFileName, Programs.KeelArguments("demo", "--tasks", "3", "--db", db, "--json"), environment: new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _url, // the exporter appends /v1/traces
            ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-tenant=e2e",
            ["OTEL_SERVICE_NAME"] = "keel-demo",
        });
        var exitCode = await demo.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, demo.Describe());

        var spans = _received.ToList();
        Assert.NotEmpty(spans);
        Assert.All(spans, s => Assert.Equal("e2e", s.Header));
        var agents = spans.Where(s => Text(s.Span, "gen_ai.operation.name") == "invoke_agent").ToList();
        Assert.Equal(3, agents.Count);
        var chats = spans.Where(s => Text(s.Span, "gen_ai.operation.name") == "chat").ToList();
        Assert.NotEmpty(chats);
        Assert.All(chats, c => Assert.Contains(spans, p => p.Span.SpanId == c.Span.ParentSpanId));
        Assert.DoesNotContain(spans, s => s.Span.Attributes.Any(a => a.Key.StartsWith("gen_ai.input", StringComparison.Ordinal)));

        // The spans are the ones stored: `keel trace` shows the same span ids.
        var taskId = Text(agents[0].Span, "keel.task.id")!;
        var trace = await KeelProcess.RunAsync("trace", taskId, "--db", db, "--json");
        Assert.True(trace.ExitCode == 0, trace.ToString());
        var stored = trace.Json().At("spans").AsArray().Select(s => s!["span_id"]!.GetValue<string>()).ToHashSet();
        var exported = spans.Where(s => Text(s.Span, "keel.task.id") == taskId).Select(s => OtlpIds.ToHex(s.Span.SpanId)!).ToHashSet();
        Assert.Equal(stored, exported);
    }

    private static string? Text(Span span, string key) => span.Attributes.LastOrDefault(a => a.Key == key)?.Value.StringValue;
}
