using Keel.Journal;
using Keel.Tasks;
using Keel.Tracing;
using Xunit;
using static Keel.Storage.Conformance.StoreSamples;

namespace Keel.Storage.Conformance;

/// <summary>A task's totals (steps, model calls, retries, tokens, cost) stay exact however a batch adds them up.</summary>
public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task CommitBatchAsync_LeavesTheFailingCommitsStepOutOfItsTasksTotals()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var first = NewTask(customer.Id, createdAtMs: 1);
        var second = NewTask(customer.Id, createdAtMs: 2);
        var span = TraceIds.NewSpanId();

        // The failing commit writes its step (and so its totals) before its duplicate span is refused.
        var failing = ModelStep(customer.Id, first.Id, 2, 0.02m, TraceIds.NewTraceId()) with
        {
            Step = NewStep(first.Id, 2, 0.02m, attempts: 3, inputTokens: 1000),
            Spans = [NewSpan(first.Id, 2, TraceIds.NewTraceId(), spanId: span)],
        };
        var commits = new[]
        {
            ModelStep(customer.Id, first.Id, 1, 0.01m, TraceIds.NewTraceId()) with { CreateTaskIfMissing = first, Spans = [NewSpan(first.Id, 1, TraceIds.NewTraceId(), spanId: span)] },
            ModelStep(customer.Id, second.Id, 1, 0.10m, TraceIds.NewTraceId()) with { CreateTaskIfMissing = second },
            failing,
            ModelStep(customer.Id, first.Id, 3, 0.04m, TraceIds.NewTraceId()) with { Step = NewStep(first.Id, 3, 0.04m, attempts: 2, inputTokens: 7) },
            ModelStep(customer.Id, second.Id, 2, 0.20m, TraceIds.NewTraceId()) with { Task = second with { Status = AgentTaskStatus.Succeeded, EndedAt = At(900) } },
        };

        var error = await Assert.ThrowsAsync<AggregateException>(async () => await Store.CommitBatchAsync(commits, Ct));

        Assert.Single(error.InnerExceptions);
        var a = (await Store.GetTaskSummaryAsync(first.Id, Ct))!;
        Assert.Equal((2, 2, 1, 107L, 40L, 0.05m), (a.Steps, a.ModelCalls, a.Retries, a.InputTokens, a.OutputTokens, a.CostUsd));
        var b = (await Store.GetTaskSummaryAsync(second.Id, Ct))!;
        Assert.Equal((2, 0.30m, AgentTaskStatus.Succeeded), (b.Steps, b.CostUsd, b.Task.Status));
    }

    [Fact]
    public async Task CommitBatchAsync_TotalsOfManyStepsAndAFinalUpdate_AddUpOnceEach()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = NewTask(customer.Id);
        await Store.CommitBatchAsync([ModelStep(customer.Id, task.Id, 1, 0.001m, TraceIds.NewTraceId()) with { CreateTaskIfMissing = task }], Ct);

        // Steps before the task's final update, and one after it, in one batch: none counted twice, none lost.
        await Store.CommitBatchAsync(
        [
            ModelStep(customer.Id, task.Id, 2, 0.002m, TraceIds.NewTraceId()),
            new StepCommit { Step = NewStep(task.Id, 3, kind: StepKind.Tool, inputTokens: 0, outputTokens: 0), Spans = [NewSpan(task.Id, 3, TraceIds.NewTraceId())] },
            ModelStep(customer.Id, task.Id, 4, 0.004m, TraceIds.NewTraceId()) with { Task = task with { Status = AgentTaskStatus.Waiting, WakeAt = At(5000) } },
            ModelStep(customer.Id, task.Id, 5, 0.008m, TraceIds.NewTraceId()),
        ], Ct);
        await Store.CommitStepAsync(ModelStep(customer.Id, task.Id, 6, 0.016m, TraceIds.NewTraceId()) with { Task = task with { Status = AgentTaskStatus.Succeeded, EndedAt = At(9000) } }, Ct);

        var summary = (await Store.GetTaskSummaryAsync(task.Id, Ct))!;
        Assert.Equal((6, 5, 500L, 100L, 0.031m, AgentTaskStatus.Succeeded), (summary.Steps, summary.ModelCalls, summary.InputTokens, summary.OutputTokens, summary.CostUsd, summary.Task.Status));
    }

    [Fact]
    public async Task FindTaskAsync_FullIdThatPrefixesTwoOthers_ReturnsItWithoutAmbiguity()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        foreach (var id in (string[])["task_feed", "task_feed1", "task_feed2"])
        {
            await Store.CreateTaskAsync(NewTask(customer.Id, id: id), Ct);
        }

        Assert.Equal("task_feed", (await Store.FindTaskAsync("task_feed", Ct))?.Id);
        Assert.Equal("task_feed2", (await Store.FindTaskAsync("task_feed2", Ct))?.Id);
        await Assert.ThrowsAsync<AmbiguousTaskIdException>(() => Store.FindTaskAsync("task_fee", Ct).AsTask());
    }
}
