using Keel.Context;
using Keel.Journal;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Usage;
using Xunit;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    private static readonly Dictionary<string, object?> RichAttributes = new()
    {
        [GenAiAttributes.OperationName] = GenAiAttributes.Operations.Chat,
        [GenAiAttributes.RequestModel] = "gpt-test",
        [GenAiAttributes.UsageInputTokens] = 1200L,
        [GenAiAttributes.RequestMaxTokens] = long.MaxValue,
        ["gen_ai.request.temperature"] = 0.7,
        ["gen_ai.request.top_p"] = 1.0,
        ["keel.negative"] = -2.5e-12,
        ["keel.huge"] = 1e20,
        ["keel.whole_negative"] = -3.0,
        ["keel.cached"] = true,
        ["keel.streamed"] = false,
        [GenAiAttributes.ResponseFinishReasons] = new[] { "stop", "length" },
        ["keel.attempt_latencies_ms"] = new[] { 120L, 340L },
        ["keel.scores"] = new[] { 0.25, 3.0 },
        ["keel.flags"] = new[] { true, false },
        ["keel.note"] = "naïve café — 日本語 🚀",
    };

    [Fact]
    public async Task CommitStepAsync_FullStep_EverythingReadsBack()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var traceId = TraceIds.NewTraceId();
        var rootSpan = StoreSamples.NewSpan(task.Id, null, traceId);
        var snapshot = ContextSnapshot.FromMessages(["""{"role":"system","content":"Be brief."}""", """{"role":"user","content":"Hi ✓"}"""]);
        var modelSpan = StoreSamples.NewSpan(task.Id, 1, traceId, snapshotId: snapshot.Id, attributes: RichAttributes) with
        {
            ParentSpanId = rootSpan.SpanId,
            Status = SpanStatus.Error,
            StatusMessage = "first attempt timed out",
        };
        var step = StoreSamples.NewStep(task.Id, 1, 0.0042m, attempts: 3, fallbacks: 1, inputTokens: 1200, outputTokens: 300);
        var usage = StoreSamples.NewUsage(customer.Id, task.Id, 1, 0.0042m) with { InputTokens = 1200, OutputTokens = 300, Quantity = 2.5m };

        await Store.CommitStepAsync(new StepCommit { Step = step, Spans = [rootSpan, modelSpan], Snapshots = [snapshot], Usage = [usage] }, Ct);

        Assert.Equal([step], await Store.GetStepsAsync(task.Id, Ct));
        Assert.Equal([usage], await Store.GetUsageAsync(task.Id, Ct));
        Assert.Equal(["""{"role":"system","content":"Be brief."}""", """{"role":"user","content":"Hi ✓"}"""],
            await Store.GetSnapshotAsync(snapshot.Id, Ct));
        var spans = await Store.GetSpansAsync(task.Id, Ct);
        Assert.Equal(2, spans.Count);
        AssertSpan(rootSpan, Assert.Single(spans, s => s.SpanId == rootSpan.SpanId));
        AssertSpan(modelSpan, Assert.Single(spans, s => s.SpanId == modelSpan.SpanId));
    }

    [Fact]
    public async Task CommitStepAsync_SpanAttributes_KeepTheirTypes()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var span = StoreSamples.NewSpan(task.Id, null, TraceIds.NewTraceId(), attributes: RichAttributes);

        await Store.CommitStepAsync(new StepCommit { Spans = [span] }, Ct);

        AttributeAssert.Equal(RichAttributes, Assert.Single(await Store.GetSpansAsync(task.Id, Ct)).Attributes);
    }

    [Fact]
    public async Task CommitStepAsync_SeveralSteps_TaskTotalsAddUp()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var traceId = TraceIds.NewTraceId();

        // A model step that retried once and fell back once (3 attempts), a tool step that retried once, a clean model step.
        await Store.CommitStepAsync(StoreSamples.ModelStep(customer.Id, task.Id, 1, 0.0042m, traceId) with
        {
            Step = StoreSamples.NewStep(task.Id, 1, 0.0042m, attempts: 3, fallbacks: 1, inputTokens: 1200, outputTokens: 300),
        }, Ct);
        await Store.CommitStepAsync(new StepCommit
        {
            Step = StoreSamples.NewStep(task.Id, 2, 0.001m, StepKind.Tool, attempts: 2, inputTokens: 0, outputTokens: 0),
            Usage = [StoreSamples.NewUsage(customer.Id, task.Id, 2, 0.001m) with { Kind = UsageKind.Tool, Resource = "search" }],
        }, Ct);
        await Store.CommitStepAsync(StoreSamples.ModelStep(customer.Id, task.Id, 3, 0.0008m, traceId) with
        {
            Step = StoreSamples.NewStep(task.Id, 3, 0.0008m, inputTokens: 1500, outputTokens: 80),
        }, Ct);

        var summary = await Store.GetTaskSummaryAsync(task.Id, Ct);

        Assert.NotNull(summary);
        Assert.Equal(3, summary.Steps);
        Assert.Equal(2, summary.ModelCalls);
        Assert.Equal(2, summary.Retries);
        Assert.Equal(1, summary.Fallbacks);
        Assert.Equal(2700, summary.InputTokens);
        Assert.Equal(380, summary.OutputTokens);
        Assert.Equal(0.006m, summary.CostUsd);
        Assert.Equal([1, 2, 3], (await Store.GetStepsAsync(task.Id, Ct)).Select(s => s.Seq));
    }

    [Fact]
    public async Task CommitStepAsync_WithTaskState_UpdatesStatusOutputAndEnd()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        await Store.CommitStepAsync(StoreSamples.ModelStep(customer.Id, task.Id, 1, 0.002m, TraceIds.NewTraceId()), Ct);
        var finished = task with { Status = AgentTaskStatus.Succeeded, Output = "100 °C at sea level.", EndedAt = StoreSamples.At(5_000) };

        await Store.CommitStepAsync(new StepCommit { Task = finished }, Ct);

        Assert.Equal(finished, await Store.FindTaskAsync(task.Id, Ct));
        var summary = await Store.GetTaskSummaryAsync(task.Id, Ct);
        Assert.NotNull(summary);
        Assert.Equal(finished, summary.Task);
        Assert.Equal(TimeSpan.FromSeconds(5), summary.Duration);
        Assert.Equal(1, summary.Steps);
        Assert.Equal(0.002m, summary.CostUsd);
    }

    [Fact]
    public async Task CommitStepAsync_StepAndTaskStateTogether_BothApplied()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var failed = task with { Status = AgentTaskStatus.Failed, Error = "provider unavailable", EndedAt = StoreSamples.At(2_000) };

        await Store.CommitStepAsync(StoreSamples.ModelStep(customer.Id, task.Id, 1, 0.003m, TraceIds.NewTraceId()) with { Task = failed }, Ct);

        var summary = await Store.GetTaskSummaryAsync(task.Id, Ct);
        Assert.NotNull(summary);
        Assert.Equal(failed, summary.Task);
        Assert.Equal(1, summary.Steps);
        Assert.Equal(0.003m, summary.CostUsd);
    }

    private static void AssertSpan(SpanRecord expected, SpanRecord actual)
    {
        Assert.Equal(expected.TraceId, actual.TraceId);
        Assert.Equal(expected.SpanId, actual.SpanId);
        Assert.Equal(expected.ParentSpanId, actual.ParentSpanId);
        Assert.Equal(expected.TaskId, actual.TaskId);
        Assert.Equal(expected.StepSeq, actual.StepSeq);
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.StartTime, actual.StartTime);
        Assert.Equal(expected.EndTime, actual.EndTime);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(expected.StatusMessage, actual.StatusMessage);
        Assert.Equal(expected.SnapshotId, actual.SnapshotId);
        AttributeAssert.Equal(expected.Attributes, actual.Attributes);
    }
}
