using System.Text.Json;
using Xunit;

namespace Keel.Cli.Tests;

/// <summary>`keel trace ID --json`: a task's steps in order and its spans as one tree with GenAI attributes.</summary>
public sealed class TraceJsonTests(DemoDatabase demo)
{
    private async Task<(JsonElement Task, JsonElement Trace)> TraceSucceededTaskWithFallbackAsync()
    {
        var task = demo.Tasks.First(t => t.Int("fallbacks") > 0 && t.Str("status") == "succeeded");
        var result = await CliRunner.RunAsync("trace", task.Str("id"), "--db", demo.Path, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("", result.Stderr);
        return (task, Json.ParseSingle(result.Stdout));
    }

    [Fact]
    public async Task Trace_describes_the_task()
    {
        var (task, trace) = await TraceSucceededTaskWithFallbackAsync();

        var traced = trace.GetProperty("task");
        Assert.Equal(task.Str("id"), traced.Str("id"));
        Assert.Equal(task.Str("status"), traced.Str("status"));
        Assert.Equal(task.Int("steps"), traced.Int("steps"));
        Assert.False(string.IsNullOrEmpty(trace.Str("input")));
    }

    [Fact]
    public async Task Steps_are_ordered_by_seq_from_one()
    {
        var (task, trace) = await TraceSucceededTaskWithFallbackAsync();

        var seqs = trace.GetProperty("steps").EnumerateArray().Select(s => s.Int("seq")).ToList();

        Assert.Equal(Enumerable.Range(1, task.Int("steps")), seqs);
    }

    [Fact]
    public async Task Spans_form_one_tree_under_the_agent_span()
    {
        var (task, trace) = await TraceSucceededTaskWithFallbackAsync();
        var spans = trace.GetProperty("spans").EnumerateArray().ToList();
        var ids = spans.Select(s => s.Str("span_id")).ToHashSet(StringComparer.Ordinal);

        var root = Assert.Single(spans, s => !s.Has("parent_span_id"));

        Assert.Equal($"invoke_agent {task.Str("agent")}", root.Str("name"));
        Assert.Equal("invoke_agent", root.GetProperty("attributes").Str("gen_ai.operation.name"));
        Assert.Equal(spans.Count, ids.Count);
        Assert.All(spans.Where(s => s.Has("parent_span_id")), s => Assert.Contains(s.Str("parent_span_id"), ids));
    }

    [Fact]
    public async Task Chat_spans_carry_gen_ai_attributes()
    {
        var (_, trace) = await TraceSucceededTaskWithFallbackAsync();

        var chats = trace.GetProperty("spans").EnumerateArray().Where(s => s.Str("name").StartsWith("chat ", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(chats);
        Assert.All(chats, chat =>
        {
            var attributes = chat.GetProperty("attributes");
            Assert.Equal("chat", attributes.Str("gen_ai.operation.name"));
            Assert.Equal(chat.Str("name"), "chat " + attributes.Str("gen_ai.request.model"));
            if (chat.Str("status") == "ok")
            {
                Assert.True(attributes.Long("gen_ai.usage.input_tokens") > 0, chat.ToString());
            }
            else
            {
                Assert.False(string.IsNullOrEmpty(attributes.Str("error.type")), chat.ToString());
            }
        });
    }

    [Fact]
    public async Task Each_model_step_has_a_span_with_its_tokens_and_one_child_span_per_attempt()
    {
        var (_, trace) = await TraceSucceededTaskWithFallbackAsync();
        var spans = trace.GetProperty("spans").EnumerateArray().ToList();
        var modelSteps = trace.GetProperty("steps").EnumerateArray().Where(s => s.Str("kind") == "model").ToList();

        Assert.NotEmpty(modelSteps);
        Assert.Contains(modelSteps, s => s.Int("fallbacks") > 0);
        Assert.All(modelSteps, step =>
        {
            var stepSpan = Assert.Single(spans, s => s.Has("step_seq") && s.Int("step_seq") == step.Int("seq") && !s.GetProperty("attributes").Has("keel.attempt"));
            Assert.Equal(step.Long("input_tokens"), stepSpan.GetProperty("attributes").Long("gen_ai.usage.input_tokens"));
            Assert.Equal(step.Long("output_tokens"), stepSpan.GetProperty("attributes").Long("gen_ai.usage.output_tokens"));
            var attempts = spans.Where(s => s.Has("parent_span_id") && s.Str("parent_span_id") == stepSpan.Str("span_id")).ToList();
            Assert.Equal(step.Int("attempts"), attempts.Count);
            Assert.Equal(step.Int("attempts") - 1, attempts.Count(a => a.Str("status") == "error"));
        });
    }
}
