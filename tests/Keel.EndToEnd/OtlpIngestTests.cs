using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using Xunit;

namespace Keel.EndToEnd;

/// <summary>
/// An agent instrumented with OpenTelemetry's JavaScript SDK exports its gen_ai spans with the official
/// <c>@opentelemetry/exporter-trace-otlp-proto</c> to a real <c>keel serve</c>: they become a Keel task that
/// <c>keel trace</c> and the dashboard's API show, with the ids the exporter gave them.
/// </summary>
public sealed partial class OtlpIngestTests : IAsyncLifetime
{
    private readonly TempDirectory _temp = new();
    private ChildProcess? _serve;
    private string _url = "";
    private string _key = "";

    private string DbPath => _temp.File("keel.db");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"^keel: gateway listening on (http://127\.0\.0\.1:\d+)\b")]
    private static partial Regex Listening();

    public async ValueTask InitializeAsync()
    {
        var key = await KeelProcess.RunAsync("keys", "create", "--customer", "node-agents", "--db", DbPath, "--json");
        Assert.True(key.ExitCode == 0, key.ToString());
        _key = key.Json().Str("key");
        _serve = KeelProcess.Start("serve", "--db", DbPath, "--urls", "http://127.0.0.1:0");
        _url = (await _serve.WaitForLineAsync(Listening(), onStdout: false, TimeSpan.FromSeconds(30))).Groups[1].Value;
    }

    public async ValueTask DisposeAsync()
    {
        if (_serve is not null)
        {
            await _serve.DisposeAsync();
        }

        _temp.Dispose();
    }

    [Fact]
    public async Task Spans_from_the_official_javascript_exporter_become_a_task_in_keel_trace_and_the_dashboard_api()
    {
        var run = await NodeScript.RunAsync("otlp-export.mjs", _url, _key);
        Assert.True(run.ExitCode == 0, run.ToString());
        var sent = run.Json();
        // The trace's task is named in time order like Keel's own (not after the trace id): the only task in the file.
        var tasks = await KeelProcess.RunAsync("tasks", "--json", "--db", DbPath);
        Assert.True(tasks.ExitCode == 0, tasks.ToString());
        var taskId = Assert.Single(tasks.Json().AsArray())!.Str("id");
        Assert.NotEqual($"task_{sent.Str("trace_id")}", taskId);

        var traced = await KeelProcess.RunAsync("trace", taskId, "--db", DbPath, "--json");
        Assert.True(traced.ExitCode == 0, traced.ToString());
        var document = traced.Json();
        Assert.Equal("travel", document.Str("task.agent"));
        Assert.Equal("Find me a flight to Lisbon", document.Str("input"));
        var steps = document.At("steps").AsArray().OfType<JsonNode>().ToList();
        Assert.Equal(["model gpt-4o-mini succeeded", "tool search_flights failed"], steps.Select(s => $"{s.Str("kind")} {s.Str("name")} {s.Str("status")}"));
        Assert.Equal(950, steps[0].Long("input_tokens"));
        Assert.True(steps[0].Decimal("cost_usd") > 0, steps[0].ToJsonString());
        Assert.Equal("flight search timed out", steps[1].Str("error"));

        var spans = document.At("spans").AsArray().OfType<JsonNode>().ToDictionary(s => s.Str("span_id"));
        Assert.Equal(3, spans.Count);
        Assert.Equal(sent.Str("agent.span_id"), spans[sent.Str("chat.span_id")].Str("parent_span_id"));
        Assert.Equal(sent.Str("agent.span_id"), spans[sent.Str("tool.span_id")].Str("parent_span_id"));
        Assert.Null(spans[sent.Str("agent.span_id")]["parent_span_id"]); // a root span: no parent, so none is written

        using var http = new HttpClient { BaseAddress = new Uri(_url) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/tasks/{taskId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _key);
        using var response = await http.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, body);
        var page = JsonNode.Parse(body)!;
        Assert.Equal(taskId, page.Str("task.id"));
        Assert.Contains(page.At("spans").AsArray(), s => s!.Str("span_id") == sent.Str("chat.span_id"));
    }
}
