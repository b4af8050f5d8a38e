using Keel.Context;
using Keel.Journal;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Usage;

namespace Keel.Storage.Conformance;

/// <summary>Builders for the records the tests commit. Times are whole milliseconds so every store keeps them exactly.</summary>
internal static class StoreSamples
{
    public static readonly DateTimeOffset Epoch = new(2025, 3, 14, 9, 26, 53, TimeSpan.Zero);

    public static DateTimeOffset At(int milliseconds) => Epoch.AddMilliseconds(milliseconds);

    public static AgentTask NewTask(string customerId, string? id = null, string agent = "researcher", int createdAtMs = 0,
        AgentTaskStatus status = AgentTaskStatus.Running) => new()
        {
            Id = id ?? KeelIds.NewTaskId(),
            Agent = agent,
            CustomerId = customerId,
            Status = status,
            Input = "What is the boiling point of water?",
            CreatedAt = At(createdAtMs),
            StartedAt = status == AgentTaskStatus.Pending ? null : At(createdAtMs),
        };

    public static StepRecord NewStep(string taskId, int seq, decimal costUsd = 0, StepKind kind = StepKind.Model,
        int attempts = 1, int fallbacks = 0, long inputTokens = 100, long outputTokens = 20) => new()
        {
            TaskId = taskId,
            Seq = seq,
            Kind = kind,
            Name = kind == StepKind.Model ? "chat gpt-test" : "execute_tool search",
            Status = StepStatus.Succeeded,
            Attempts = attempts,
            Fallbacks = fallbacks,
            Result = $$"""{"seq":{{seq}}}""",
            InputTokens = inputTokens,
            OutputTokens = outputTokens,
            CostUsd = costUsd,
            StartedAt = At(seq * 1000),
            EndedAt = At((seq * 1000) + 250),
        };

    public static UsageEvent NewUsage(string customerId, string taskId, int seq, decimal costUsd, string? key = null) => new()
    {
        IdempotencyKey = key ?? $"{taskId}:{seq}:model",
        CustomerId = customerId,
        TaskId = taskId,
        StepSeq = seq,
        Kind = UsageKind.Model,
        Resource = "gpt-test",
        Deployment = "primary",
        InputTokens = 100,
        CachedInputTokens = 40,
        OutputTokens = 20,
        CostUsd = costUsd,
        CreatedAt = At((seq * 1000) + 250),
    };

    public static SpanRecord NewSpan(string taskId, int? seq, string traceId, string? spanId = null, string? snapshotId = null,
        IReadOnlyDictionary<string, object?>? attributes = null) => new()
        {
            TraceId = traceId,
            SpanId = spanId ?? TraceIds.NewSpanId(),
            TaskId = taskId,
            StepSeq = seq,
            Name = seq is null ? "invoke_agent researcher" : "chat gpt-test",
            StartTime = At((seq ?? 0) * 1000),
            EndTime = At(((seq ?? 0) * 1000) + 250),
            SnapshotId = snapshotId,
            Attributes = attributes ?? new Dictionary<string, object?> { [GenAiAttributes.OperationName] = GenAiAttributes.Operations.Chat },
        };

    /// <summary>A complete model step: journal entry, one span and one usage event whose cost is the step's.</summary>
    public static StepCommit ModelStep(string customerId, string taskId, int seq, decimal costUsd, string traceId,
        ContextSnapshot? snapshot = null) => new()
        {
            Step = NewStep(taskId, seq, costUsd),
            Spans = [NewSpan(taskId, seq, traceId, snapshotId: snapshot?.Id)],
            Snapshots = snapshot is null ? [] : [snapshot],
            Usage = [NewUsage(customerId, taskId, seq, costUsd)],
        };
}
