using System.Text.Json.Nodes;
using Xunit;

namespace Keel.EndToEnd;

/// <summary>What a gateway stopped with SIGTERM left in its database, read back with `keel tasks` and `keel trace`.</summary>
public sealed class RecordingTests(RecordedCallsFixture recorded) : IClassFixture<RecordedCallsFixture>
{
    private IEnumerable<JsonNode> TasksWithStatus(string status) => recorded.Tasks.Select(t => t!).Where(t => t.Str("status") == status);

    [Fact]
    public void SIGTERM_stops_the_gateway_cleanly()
    {
        Assert.True(recorded.StopExitCode == 0, $"exit {recorded.StopExitCode}\n{recorded.StopStderr}");
        Assert.DoesNotContain("Unhandled exception", recorded.StopStderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", recorded.StopStderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_call_is_one_task_of_the_gateway_agent_for_the_key_customer()
    {
        Assert.True(recorded.Tasks.Count == 3, $"expected the 3 calls as 3 tasks; `keel tasks` listed {recorded.Tasks.ToJsonString()}\n{recorded.GatewayOutput}");
        foreach (var task in recorded.Tasks.Select(t => t!))
        {
            Assert.Equal("gateway", task.Str("agent"));
            Assert.Equal(recorded.Gateway.CustomerId, task.Str("customer_id"));
            Assert.Equal(1, task.Long("steps"));
            Assert.Equal(1, task.Long("model_calls"));
        }

        Assert.Contains(recorded.Tasks, t => t!.Str("id") == recorded.FallbackTaskId);
    }

    [Fact]
    public void Successful_calls_are_priced()
    {
        var succeeded = TasksWithStatus("succeeded").ToList();

        Assert.True(succeeded.Count == 2, $"expected 2 succeeded tasks; `keel tasks` listed {recorded.Tasks.ToJsonString()}\n{recorded.GatewayOutput}");
        Assert.All(succeeded, task =>
        {
            Assert.True(task.Decimal("cost_usd") > 0, task.ToJsonString());
            Assert.True(task.Long("input_tokens") > 0, task.ToJsonString());
            Assert.True(task.Long("output_tokens") > 0, task.ToJsonString());
        });
    }

    [Fact]
    public async Task The_cut_stream_is_a_failed_task_whose_step_and_span_say_why()
    {
        var task = Assert.Single(TasksWithStatus("failed"));
        Assert.Contains("cut", task.Str("error"), StringComparison.Ordinal);

        var trace = await recorded.TraceAsync(task.Str("id"));
        var step = Assert.Single(trace.At("steps").AsArray())!;
        Assert.Equal("flaky-stream", step.Str("name"));
        Assert.Equal("failed", step.Str("status"));
        Assert.Contains("cut", step.Str("error"), StringComparison.Ordinal);

        var span = trace.At("spans").AsArray().Single(s => s!.Str("name") == "chat flaky-stream")!;
        Assert.Equal("error", span.Str("status"));
        var attributes = span.At("attributes");
        Assert.Equal("connection_error", attributes["error.type"]?.GetValue<string>());
        // The answer never finished, so the span must not say it stopped normally.
        Assert.DoesNotContain("stop", attributes["gen_ai.response.finish_reasons"]?.AsArray().Select(r => r!.GetValue<string>()) ?? []);
    }

    [Fact]
    public async Task The_fallback_is_traced_with_gen_ai_spans_one_per_attempt()
    {
        var trace = await recorded.TraceAsync(recorded.FallbackTaskId);

        Assert.Equal("succeeded", trace.Str("task.status"));
        Assert.Equal(1, trace.Long("task.fallbacks"));
        var step = Assert.Single(trace.At("steps").AsArray())!;
        Assert.Equal("gpt-4o-mini", step.Str("name"));
        Assert.Equal(3, step.Long("attempts"));
        Assert.Equal(1, step.Long("fallbacks"));
        Assert.True(step.Decimal("cost_usd") > 0, step.ToJsonString());

        var spans = trace.At("spans").AsArray().Select(s => s!).ToList();
        var chat = spans.Single(s => !((JsonObject)s).ContainsKey("parent_span_id") || s["parent_span_id"] is null);
        Assert.Equal("chat gpt-4o-mini", chat.Str("name"));
        var attributes = chat.At("attributes");
        Assert.Equal("chat", attributes["gen_ai.operation.name"]!.GetValue<string>());
        Assert.Equal("gpt-4o-mini", attributes["gen_ai.request.model"]!.GetValue<string>());
        Assert.Equal("openai", attributes["gen_ai.provider.name"]!.GetValue<string>());
        Assert.Equal("gpt-4o-mini", attributes["gen_ai.response.model"]!.GetValue<string>());
        Assert.True(attributes["gen_ai.usage.input_tokens"]!.GetValue<long>() > 0);
        Assert.True(attributes["gen_ai.usage.output_tokens"]!.GetValue<long>() > 0);
        Assert.Equal(1, attributes["keel.fallbacks"]!.GetValue<long>());
        Assert.Equal("fallback", attributes["keel.deployment"]!.GetValue<string>());

        var attempts = spans.Where(s => s["parent_span_id"]?.GetValue<string>() == chat.Str("span_id")).ToList();
        Assert.Equal(3, attempts.Count);
        Assert.All(attempts.Take(2), a =>
        {
            Assert.Equal("error", a.Str("status"));
            Assert.Equal("primary", a.At("attributes")["keel.deployment"]!.GetValue<string>());
            Assert.Equal("503", a.At("attributes")["error.type"]!.GetValue<string>());
        });
        Assert.Equal("ok", attempts[2].Str("status"));
        Assert.Equal("fallback", attempts[2].At("attributes")["keel.deployment"]!.GetValue<string>());
    }
}
