using Keel.Context;
using Keel.Journal;
using Keel.Tasks;
using Keel.Tracing;
using Xunit;
using static Keel.Storage.Conformance.StoreSamples;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task CommitBatchAsync_CommitsEveryStepOfEveryTask()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var tasks = Enumerable.Range(0, 4).Select(i => NewTask(customer.Id, createdAtMs: i)).ToList();
        var commits = tasks.SelectMany(t => Enumerable.Range(1, 3).Select(seq =>
            ModelStep(customer.Id, t.Id, seq, 0.001m, TraceIds.NewTraceId()) with { CreateTaskIfMissing = t })).ToList();

        await Store.CommitBatchAsync(commits, Ct);

        foreach (var task in tasks)
        {
            var summary = await Store.GetTaskSummaryAsync(task.Id, Ct);
            Assert.NotNull(summary);
            Assert.Equal(3, summary.Steps);
            Assert.Equal(0.003m, summary.CostUsd);
            Assert.Equal(4, await Store.NextStepSeqAsync(task.Id, Ct));
        }
    }

    [Fact]
    public async Task CommitBatchAsync_LeavesOutOnlyTheFailingCommit()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var good = ModelStep(customer.Id, task.Id, 1, 0.01m, TraceIds.NewTraceId());
        var duplicate = ModelStep(customer.Id, task.Id, 1, 0.02m, TraceIds.NewTraceId()) with { Usage = [NewUsage(customer.Id, task.Id, 1, 0.02m, key: "other")] };
        var later = ModelStep(customer.Id, task.Id, 2, 0.04m, TraceIds.NewTraceId());

        var error = await Assert.ThrowsAsync<AggregateException>(async () => await Store.CommitBatchAsync([good, duplicate, later], Ct));

        Assert.Single(error.InnerExceptions);
        var steps = await Store.GetStepsAsync(task.Id, Ct);
        Assert.Equal([1, 2], steps.Select(s => s.Seq));
        Assert.Equal(0.05m, (await Store.GetTaskSummaryAsync(task.Id, Ct))!.CostUsd);
        Assert.DoesNotContain(await Store.GetUsageAsync(task.Id, Ct), u => u.IdempotencyKey == "other");
    }

    [Fact]
    public async Task CommitBatchAsync_TaskOpenedAndClosedInOneCommit_IsStoredInItsFinalState()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var opened = NewTask(customer.Id);
        var closed = opened with { Status = AgentTaskStatus.Succeeded, Output = "done", EndedAt = At(500) };

        await Store.CommitBatchAsync([ModelStep(customer.Id, opened.Id, 1, 0.002m, TraceIds.NewTraceId()) with { CreateTaskIfMissing = opened, Task = closed }], Ct);

        var summary = await Store.GetTaskSummaryAsync(opened.Id, Ct);
        Assert.Equal(AgentTaskStatus.Succeeded, summary!.Task.Status);
        Assert.Equal("done", summary.Task.Output);
        Assert.Equal(1, summary.Steps);
        Assert.Equal(0.002m, summary.CostUsd);
    }

    [Fact]
    public async Task CreateTaskIfMissing_KeepsAnExistingTaskAsItIs()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = NewTask(customer.Id, agent: "first");
        await Store.CreateTaskAsync(task, Ct);

        await Store.CommitStepAsync(ModelStep(customer.Id, task.Id, 1, 0.001m, TraceIds.NewTraceId()) with { CreateTaskIfMissing = task with { Agent = "second" } }, Ct);

        Assert.Equal("first", (await Store.FindTaskAsync(task.Id, Ct))!.Agent);
        Assert.Equal(1, (await Store.GetTaskSummaryAsync(task.Id, Ct))!.Steps);
    }

    [Fact]
    public async Task A_snapshot_committed_again_in_a_later_batch_is_still_readable_and_stored_once()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var snapshot = ContextSnapshot.FromMessages(["{\"role\":\"system\",\"content\":\"be brief\"}", "{\"role\":\"user\",\"content\":\"hi\"}"]);

        await Store.CommitBatchAsync([ModelStep(customer.Id, task.Id, 1, 0.001m, TraceIds.NewTraceId(), snapshot)], Ct);
        await Store.CommitBatchAsync([ModelStep(customer.Id, task.Id, 2, 0.001m, TraceIds.NewTraceId(), snapshot)], Ct);

        Assert.Equal(2, (await Store.GetSnapshotAsync(snapshot.Id, Ct))!.Count);
        var stats = await Store.GetStatsAsync(Ct);
        Assert.Equal(2, stats.Blobs);
        Assert.Equal(1, stats.Snapshots);
    }

    [Fact]
    public async Task A_rolled_back_snapshot_is_written_again_by_the_next_commit()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var snapshot = ContextSnapshot.FromMessages(["{\"role\":\"user\",\"content\":\"only once\"}"]);
        var failing = ModelStep(customer.Id, task.Id, 1, 0.001m, TraceIds.NewTraceId(), snapshot) with
        {
            Spans = [NewSpan(task.Id, 1, TraceIds.NewTraceId(), spanId: "0000000000000001"), NewSpan(task.Id, 1, TraceIds.NewTraceId(), spanId: "0000000000000001")],
        };

        await Assert.ThrowsAnyAsync<Exception>(async () => await Store.CommitStepAsync(failing, Ct));
        await Store.CommitStepAsync(ModelStep(customer.Id, task.Id, 1, 0.001m, TraceIds.NewTraceId(), snapshot), Ct);

        Assert.Equal(["{\"role\":\"user\",\"content\":\"only once\"}"], await Store.GetSnapshotAsync(snapshot.Id, Ct));
    }
}
