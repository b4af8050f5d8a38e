using Xunit;

namespace Keel.Cli.Tests;

/// <summary>What `keel demo` says a run cost is what `keel tasks` and `keel trace` add up to.</summary>
public sealed class CostTests(DemoDatabase demo)
{
    [Fact]
    public async Task Task_costs_sum_to_the_demo_total()
    {
        var result = await CliRunner.RunAsync("tasks", "--db", demo.Path, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var tasks = Json.ParseArray(result.Stdout);
        Assert.Equal(DemoDatabase.TaskCount, tasks.Count);
        var sum = tasks.Sum(t => t.Dec("cost_usd"));
        var total = demo.Summary.Dec("cost_usd");
        Assert.True(Math.Abs(sum - total) <= 1e-9m, $"tasks sum to {sum}, the demo summary says {total}");
    }

    [Fact]
    public async Task Step_costs_sum_to_the_task_cost()
    {
        var task = demo.Tasks.Where(t => t.Int("retries") > 0).MaxBy(t => t.Dec("cost_usd"));
        var id = task.Str("id");

        var result = await CliRunner.RunAsync("trace", id, "--db", demo.Path, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var trace = Json.ParseSingle(result.Stdout);
        var steps = trace.GetProperty("steps").EnumerateArray().ToList();
        var stepCost = steps.Sum(s => s.Dec("cost_usd"));
        Assert.True(Math.Abs(stepCost - task.Dec("cost_usd")) <= 1e-9m, $"steps sum to {stepCost}, the task says {task.Dec("cost_usd")}");
        Assert.Equal(task.Dec("cost_usd"), trace.GetProperty("task").Dec("cost_usd"));
        Assert.Equal(task.Long("input_tokens"), steps.Sum(s => s.Long("input_tokens")));
        Assert.Equal(task.Int("retries"), steps.Sum(s => s.Int("retries")));
    }
}
