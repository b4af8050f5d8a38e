using Xunit;

namespace Keel.Cli.Tests;

/// <summary>The demo's summary counts human oversight and outcomes: the true cost of agent work, not only tokens.</summary>
public sealed class DemoOversightTests(DemoDatabase demo)
{
    [Fact]
    public void The_demo_summary_reports_human_cost_outcomes_and_cost_per_success()
    {
        var s = demo.Summary;

        Assert.True(s.Dec("human_cost_usd") > 0, $"human_cost_usd {s.Dec("human_cost_usd")}");
        Assert.True(s.Int("interventions") > 0);
        Assert.True(s.GetProperty("human_seconds").GetDouble() > 0);
        Assert.True(s.Int("successful_outcomes") > 0);
        Assert.True(s.Int("successful_outcomes") <= s.Int("succeeded"));
        Assert.True(s.Dec("cost_per_successful_outcome_usd") > 0);
        Assert.True(s.Dec("human_to_model_ratio") > 1, $"human_to_model_ratio {s.Dec("human_to_model_ratio")}");
        Assert.Equal(s.Dec("human_cost_usd") / s.Dec("model_cost_usd"), s.Dec("human_to_model_ratio"));
        Assert.Equal(s.Dec("cost_usd") / s.Int("successful_outcomes"), s.Dec("cost_per_successful_outcome_usd"));
        Assert.Equal(s.Dec("cost_usd"), s.Dec("model_cost_usd") + s.Dec("tool_cost_usd") + s.Dec("human_cost_usd"));
    }

    [Fact]
    public async Task Costs_over_the_demo_database_agree_with_the_demo_summary()
    {
        var result = await CliRunner.RunAsync("costs", "--by", "agent", "--json", "--db", demo.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        var total = Json.ParseSingle(result.Stdout).GetProperty("total");
        Assert.Equal(demo.Summary.Dec("human_cost_usd"), total.Dec("human_usd"));
        Assert.Equal(demo.Summary.Dec("model_cost_usd"), total.Dec("model_usd"));
        Assert.Equal(demo.Summary.Int("successful_outcomes"), total.Int("successful_outcomes"));
        Assert.Equal(demo.Summary.Dec("cost_usd"), total.Dec("total_usd"));
    }
}
