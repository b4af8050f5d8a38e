using System.Text.Json;
using Xunit;

namespace Keel.Cli.Tests;

/// <summary>
/// `keel trace TASK_ID --step N [--context] [--json]` on the demo's declined refund: the context window the model
/// call was sent, its diff against the previous call, a tool's arguments, and the failed step's error path.
/// </summary>
public sealed class TraceStepContextTests(DemoDatabase demo)
{
    /// <summary>A support task whose refund was declined, and its steps as `keel trace --json` lists them.</summary>
    private async Task<(string Id, string Input, IReadOnlyList<JsonElement> Steps)> DeclinedRefundAsync()
    {
        var task = demo.WithStatus("failed").First(t => t.Str("agent") == "support" && t.Str("error").Contains("declined", StringComparison.Ordinal));
        var trace = await CliRunner.RunAsync("trace", task.Str("id"), "--db", demo.Path, "--json");
        Assert.True(trace.ExitCode == 0, trace.ToString());
        var json = Json.ParseSingle(trace.Stdout);
        return (task.Str("id"), json.Str("input"), [.. json.GetProperty("steps").EnumerateArray()]);
    }

    private async Task<JsonElement> InspectAsync(string id, int seq)
    {
        var result = await CliRunner.RunAsync("trace", id, "--db", demo.Path, "--step", Seq(seq), "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        return Json.ParseSingle(result.Stdout);
    }

    [Fact]
    public async Task Json_of_a_model_step_has_its_context_window_and_diff_in_the_dashboard_s_shape()
    {
        var (id, input, steps) = await DeclinedRefundAsync();
        var models = steps.Where(s => s.Str("kind") == "model").Select(s => s.Int("seq")).ToList();

        var inspection = await InspectAsync(id, models[^1]);

        Assert.Equal((models[^1], "model", "succeeded"), (inspection.GetProperty("step").Int("seq"), inspection.GetProperty("step").Str("kind"), inspection.GetProperty("step").Str("status")));
        var context = inspection.GetProperty("context");
        Assert.Equal(["lookup_order", "check_refund_policy", "draft_refund"], context.GetProperty("request").GetProperty("tools").EnumerateArray().Select(t => t.Str("name")));
        var messages = context.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, messages.Count), messages.Select(m => m.Int("index")));
        Assert.Equal(("user", input), (messages[1].Str("role"), messages[1].Str("text")));
        var call = messages.SelectMany(m => m.GetProperty("tool_calls").EnumerateArray()).First(c => c.Str("name") == "lookup_order");
        Assert.Contains(messages.SelectMany(m => m.GetProperty("tool_results").EnumerateArray()), r => r.Str("call_id") == call.Str("id"));
        Assert.Equal("ORD", JsonDocument.Parse(call.Str("arguments")).RootElement.GetProperty("orderId").GetString()![..3]);

        var diff = inspection.GetProperty("diff");
        Assert.Equal(models[^2], diff.Int("previous_seq"));
        var ops = diff.GetProperty("lines").EnumerateArray().Select(l => l.Str("op")).ToList();
        Assert.Equal([.. Enumerable.Repeat("same", messages.Count - 2), "added", "added"], ops);
        Assert.Equal([], inspection.GetProperty("error_path").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Contains("draft_refund", inspection.Str("result"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_of_the_declined_refund_has_its_arguments_error_and_error_path()
    {
        var (id, _, steps) = await DeclinedRefundAsync();
        var refund = steps[^1];

        var inspection = await InspectAsync(id, refund.Int("seq"));

        Assert.Equal("draft_refund", inspection.GetProperty("step").Str("name"));
        Assert.Contains("declined", inspection.Str("error"), StringComparison.Ordinal);
        Assert.True(JsonDocument.Parse(inspection.GetProperty("tool").Str("arguments")).RootElement.TryGetProperty("amount", out _));
        // Every model answer and tool result before it fed it, newest first: the support agent's context only grows.
        var fed = steps.Where(s => s.Int("seq") < refund.Int("seq") && s.Str("kind") is "model" or "tool").Select(s => s.Int("seq")).Reverse();
        Assert.Equal(fed, inspection.GetProperty("error_path").EnumerateArray().Select(e => e.GetInt32()));
        Assert.False(inspection.Has("context"));
        Assert.False(inspection.Has("diff"));
    }

    [Fact]
    public async Task Context_prints_the_messages_the_tools_and_the_diff_against_the_previous_call()
    {
        var (id, input, steps) = await DeclinedRefundAsync();
        var models = steps.Where(s => s.Str("kind") == "model").Select(s => s.Int("seq")).ToList();
        var inspection = await InspectAsync(id, models[^1]);
        var count = inspection.GetProperty("context").GetProperty("messages").GetArrayLength();

        var result = await CliRunner.RunAsync("trace", id, "--db", demo.Path, "--step", Seq(models[^1]), "--context");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        var output = result.Stdout;
        Assert.Contains($"Context window  {count} messages  model sim-default", output, StringComparison.Ordinal);
        Assert.Contains("tool: lookup_order — Looks up an order", output, StringComparison.Ordinal);
        Assert.Contains("[0] system", output, StringComparison.Ordinal);
        Assert.Contains(input, output, StringComparison.Ordinal);
        Assert.Contains("→ lookup_order({\"orderId\":", output, StringComparison.Ordinal);
        Assert.Contains($"Diff against step #{models[^2]}  {count - 2} same, 2 added, 0 removed", output, StringComparison.Ordinal);
        Assert.Contains($"= {count - 2} unchanged messages (#0–#{count - 3})", output, StringComparison.Ordinal);
        Assert.Contains($"+ [{count - 2}] assistant: → check_refund_policy(", output, StringComparison.Ordinal);
        Assert.Contains($"+ [{count - 1}] tool: ← [", output, StringComparison.Ordinal);
        Assert.DoesNotContain("\n- [", output, StringComparison.Ordinal);
        Assert.Contains("→ draft_refund(", output[output.IndexOf("Answer", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_failed_step_prints_its_error_and_the_steps_that_fed_it()
    {
        var (id, _, steps) = await DeclinedRefundAsync();
        var refund = steps[^1].Int("seq");

        var result = await CliRunner.RunAsync("trace", id, "--db", demo.Path, "--step", Seq(refund), "--context");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.Split('\n');
        Assert.StartsWith($"#{refund}  tool  draft_refund  ✗", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("error: Payment provider declined", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("arguments: {\"orderId\":", StringComparison.Ordinal));
        Assert.Contains($"Step {refund} is a tool step: only model calls have a context window.", result.Stdout, StringComparison.Ordinal);
        var path = lines.SkipWhile(l => !l.StartsWith("Error path", StringComparison.Ordinal)).Skip(2).TakeWhile(l => l.StartsWith("  ← ", StringComparison.Ordinal)).ToList();
        var expected = steps.Where(s => s.Int("seq") < refund && s.Str("kind") is "model" or "tool").Reverse()
            .Select(s => $"  ← #{s.Int("seq")}  {s.Str("kind")}  {s.Str("name")}  ✓").ToList();
        Assert.Equal(expected.Count, path.Count);
        Assert.All(expected.Zip(path), p => Assert.StartsWith(p.First, p.Second, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_trace_of_a_failed_task_says_how_to_inspect_its_failed_step()
    {
        var (id, _, steps) = await DeclinedRefundAsync();

        var result = await CliRunner.RunAsync("trace", id, "--db", demo.Path);

        Assert.Contains($"keel trace {id} --step {steps[^1].Int("seq")} --context", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Context_without_a_step_is_refused()
    {
        var (id, _, _) = await DeclinedRefundAsync();

        var result = await CliRunner.RunAsync("trace", id, "--db", demo.Path, "--context");

        CliAssert.RejectedByParser(result, "--context needs --step N");
    }

    [Fact]
    public async Task A_step_the_task_does_not_have_fails_with_one_line()
    {
        var (id, _, steps) = await DeclinedRefundAsync();

        var result = await CliRunner.RunAsync("trace", id, "--db", demo.Path, "--step", Seq(steps.Count + 1));

        CliAssert.FailsWithOneLine(result, $"has no step {steps.Count + 1}; its steps are 1 to {steps.Count}.");
    }

    private static string Seq(int seq) => seq.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
