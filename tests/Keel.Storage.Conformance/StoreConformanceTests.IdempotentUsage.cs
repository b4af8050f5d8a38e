using Keel.Journal;
using Keel.Tracing;
using Xunit;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task CommitStepAsync_UsageKeyAlreadyStored_CountsOnce()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var traceId = TraceIds.NewTraceId();
        var first = StoreSamples.NewUsage(customer.Id, task.Id, 1, 0.01m, key: "call-1");
        await Store.CommitStepAsync(new StepCommit { Step = StoreSamples.NewStep(task.Id, 1, 0.01m), Usage = [first] }, Ct);

        // A later step re-sends the first call's usage (a retried write) along with its own, and its journal
        // entry claims the cost of both.
        var replayed = first with { StepSeq = 2, CreatedAt = StoreSamples.At(2_000) };
        var second = StoreSamples.NewUsage(customer.Id, task.Id, 2, 0.02m, key: "call-2");
        await Store.CommitStepAsync(new StepCommit
        {
            Step = StoreSamples.NewStep(task.Id, 2, 0.03m),
            Spans = [StoreSamples.NewSpan(task.Id, 2, traceId)],
            Usage = [replayed, second],
        }, Ct);

        var usage = await Store.GetUsageAsync(task.Id, Ct);
        var summary = await Store.GetTaskSummaryAsync(task.Id, Ct);
        var steps = await Store.GetStepsAsync(task.Id, Ct);
        Assert.Equal(["call-1", "call-2"], usage.Select(u => u.IdempotencyKey).Order(StringComparer.Ordinal));
        Assert.Equal(first, Assert.Single(usage, u => u.IdempotencyKey == "call-1"));
        Assert.NotNull(summary);
        Assert.Equal(0.03m, summary.CostUsd);
        Assert.Equal(usage.Sum(u => u.CostUsd), summary.CostUsd);
        Assert.Equal(steps.Sum(s => s.CostUsd), summary.CostUsd);
        Assert.Equal(2, summary.Steps);
        Assert.Equal(2, (await Store.GetStatsAsync(Ct)).UsageEvents);
    }

    [Fact]
    public async Task CommitStepAsync_SameUsageKeyTwiceInOneCommit_CountsOnce()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var usage = StoreSamples.NewUsage(customer.Id, task.Id, 1, 0.07m, key: "call-1");

        await Store.CommitStepAsync(new StepCommit { Step = StoreSamples.NewStep(task.Id, 1, 0.07m), Usage = [usage, usage] }, Ct);

        Assert.Single(await Store.GetUsageAsync(task.Id, Ct));
        Assert.Equal(0.07m, (await Store.GetTaskSummaryAsync(task.Id, Ct))?.CostUsd);
    }
}
