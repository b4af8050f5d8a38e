using Keel.Tasks;
using Keel.Tracing;
using Xunit;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task CommitStepAsync_ManyConcurrentWriters_AllStepsAndTotalsPresent()
    {
        const int taskCount = 8;
        const int stepsPerTask = 25;
        const decimal stepCost = 0.000123m;
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var tasks = new List<AgentTask>();
        for (var i = 0; i < taskCount; i++)
        {
            var task = StoreSamples.NewTask(customer.Id, createdAtMs: i);
            await Store.CreateTaskAsync(task, Ct);
            tasks.Add(task);
        }

        var traceIds = tasks.ToDictionary(t => t.Id, _ => TraceIds.NewTraceId());
        var work = tasks.SelectMany(t => Enumerable.Range(1, stepsPerTask).Select(seq => (Task: t, Seq: seq)))
            .OrderBy(_ => Random.Shared.Next())
            .ToList();

        // Every step from its own caller, with readers running beside the writers.
        var writers = work.Select(w => Task.Run(async () =>
            await Store.CommitStepAsync(StoreSamples.ModelStep(customer.Id, w.Task.Id, w.Seq, stepCost, traceIds[w.Task.Id]), Ct), Ct));
        var readers = tasks.Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                await Store.GetTaskSummaryAsync(t.Id, Ct);
                await Store.GetStepsAsync(t.Id, Ct);
            }
        }, Ct));
        await Task.WhenAll(writers.Concat(readers));

        foreach (var task in tasks)
        {
            var summary = await Store.GetTaskSummaryAsync(task.Id, Ct);
            Assert.NotNull(summary);
            Assert.Equal(stepsPerTask, summary.Steps);
            Assert.Equal(stepsPerTask, summary.ModelCalls);
            Assert.Equal(stepsPerTask * 100, summary.InputTokens);
            Assert.Equal(stepsPerTask * 20, summary.OutputTokens);
            Assert.Equal(stepsPerTask * stepCost, summary.CostUsd);
            Assert.Equal(Enumerable.Range(1, stepsPerTask), (await Store.GetStepsAsync(task.Id, Ct)).Select(s => s.Seq));
        }

        var stats = await Store.GetStatsAsync(Ct);
        Assert.Equal(taskCount, stats.Tasks);
        Assert.Equal(taskCount * stepsPerTask, stats.Steps);
        Assert.Equal(taskCount * stepsPerTask, stats.Spans);
        Assert.Equal(taskCount * stepsPerTask, stats.UsageEvents);
    }
}
