using Xunit;

namespace Keel.Cli.Tests;

/// <summary>The default 50-task demo exercises the resilience paths it advertises, and stores what it reports.</summary>
public sealed class DemoFaultTests(DemoDatabase demo)
{
    [Fact]
    public void Default_demo_runs_fifty_tasks()
    {
        Assert.Equal(DemoDatabase.TaskCount, demo.Summary.Int("tasks"));
        Assert.Equal(DemoDatabase.TaskCount, demo.Summary.Int("succeeded") + demo.Summary.Int("failed"));
        Assert.Equal(demo.Path, demo.Summary.Str("db"));
    }

    [Fact]
    public void Default_demo_has_retries_and_fallbacks()
    {
        Assert.True(demo.Summary.Int("retries") > 0, demo.Demo.Stdout);
        Assert.True(demo.Summary.Int("fallbacks") > 0, demo.Demo.Stdout);
    }

    [Fact]
    public void Default_demo_has_failed_support_tasks()
    {
        Assert.True(demo.Summary.Int("failed") > 0, demo.Demo.Stdout);
        Assert.All(demo.WithStatus("failed"), t => Assert.Equal("support", t.Str("agent")));
    }

    [Fact]
    public void Summary_agrees_with_the_stored_tasks()
    {
        Assert.Equal(DemoDatabase.TaskCount, demo.Tasks.Count);
        Assert.Equal(demo.Summary.Int("succeeded"), demo.WithStatus("succeeded").Count());
        Assert.Equal(demo.Summary.Int("failed"), demo.WithStatus("failed").Count());
        Assert.Equal(demo.Summary.Int("steps"), demo.Tasks.Sum(t => t.Int("steps")));
        Assert.Equal(demo.Summary.Int("model_calls"), demo.Tasks.Sum(t => t.Int("model_calls")));
        Assert.Equal(demo.Summary.Int("retries"), demo.Tasks.Sum(t => t.Int("retries")));
        Assert.Equal(demo.Summary.Int("fallbacks"), demo.Tasks.Sum(t => t.Int("fallbacks")));
        Assert.Equal(demo.Summary.Long("input_tokens"), demo.Tasks.Sum(t => t.Long("input_tokens")));
        Assert.Equal(demo.Summary.Long("output_tokens"), demo.Tasks.Sum(t => t.Long("output_tokens")));
    }
}
