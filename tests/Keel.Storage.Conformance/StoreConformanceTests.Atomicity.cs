using Keel.Context;
using Keel.Journal;
using Keel.Tasks;
using Keel.Tracing;
using Xunit;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task CommitStepAsync_FailsPartWay_WritesNothing()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var traceId = TraceIds.NewTraceId();
        await Store.CommitStepAsync(StoreSamples.ModelStep(customer.Id, task.Id, 1, 0.002m, traceId), Ct);
        var statsBefore = await Store.GetStatsAsync(Ct);
        var summaryBefore = await Store.GetTaskSummaryAsync(task.Id, Ct);

        // Usage, snapshot and journal entry are valid; the second span reuses the first one's id, so the commit
        // can only fail once the rest of it has been written.
        var snapshot = ContextSnapshot.FromMessages(["""{"role":"user","content":"never stored"}"""]);
        var duplicateSpanId = TraceIds.NewSpanId();
        var broken = StoreSamples.ModelStep(customer.Id, task.Id, 2, 0.5m, traceId, snapshot) with
        {
            Spans =
            [
                StoreSamples.NewSpan(task.Id, 2, traceId, spanId: duplicateSpanId, snapshotId: snapshot.Id),
                StoreSamples.NewSpan(task.Id, 2, traceId, spanId: duplicateSpanId),
            ],
            Task = task with { Status = AgentTaskStatus.Succeeded, Output = "never stored", EndedAt = StoreSamples.At(9_000) },
        };

        await Assert.ThrowsAnyAsync<Exception>(() => Store.CommitStepAsync(broken, Ct).AsTask());

        Assert.Equal([1], (await Store.GetStepsAsync(task.Id, Ct)).Select(s => s.Seq));
        Assert.DoesNotContain(await Store.GetSpansAsync(task.Id, Ct), s => s.StepSeq == 2);
        Assert.Equal([1], (await Store.GetUsageAsync(task.Id, Ct)).Select(u => u.StepSeq));
        Assert.Null(await Store.GetSnapshotAsync(snapshot.Id, Ct));
        Assert.Equal(statsBefore, await Store.GetStatsAsync(Ct));
        Assert.Equal(summaryBefore, await Store.GetTaskSummaryAsync(task.Id, Ct));
    }

    [Fact]
    public async Task CommitStepAsync_AfterAFailedCommit_SameStepCanBeCommitted()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var traceId = TraceIds.NewTraceId();
        var spanId = TraceIds.NewSpanId();
        var good = StoreSamples.ModelStep(customer.Id, task.Id, 1, 0.25m, traceId);
        var broken = good with { Spans = [StoreSamples.NewSpan(task.Id, 1, traceId, spanId), StoreSamples.NewSpan(task.Id, 1, traceId, spanId)] };
        await Assert.ThrowsAnyAsync<Exception>(() => Store.CommitStepAsync(broken, Ct).AsTask());

        await Store.CommitStepAsync(good, Ct);

        var summary = await Store.GetTaskSummaryAsync(task.Id, Ct);
        Assert.NotNull(summary);
        Assert.Equal(1, summary.Steps);
        Assert.Equal(0.25m, summary.CostUsd);
        Assert.Single(await Store.GetUsageAsync(task.Id, Ct));
        Assert.Single(await Store.GetSpansAsync(task.Id, Ct));
    }
}
