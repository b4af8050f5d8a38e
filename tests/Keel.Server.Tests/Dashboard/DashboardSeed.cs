using Keel.Journal;
using Keel.Storage;
using Keel.Tasks;
using Keel.Tracing;
using Keel.Usage;
using Xunit;

namespace Keel.Server.Tests.Dashboard;

/// <summary>Tasks written straight into the store, as a finished agent run leaves them: one model step, priced.</summary>
internal static class DashboardSeed
{
    public static readonly DateTimeOffset Epoch = new(2025, 3, 14, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed record Spec
    {
        public string Agent { get; init; } = "support";
        public AgentTaskStatus Status { get; init; } = AgentTaskStatus.Succeeded;
        public DateTimeOffset CreatedAt { get; init; } = Epoch;
        public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(2);
        public string? SessionId { get; init; }
        public string Input { get; init; } = "Where is my order?";
        public string Alias { get; init; } = "chat";
        public string Model { get; init; } = "gpt-4o-mini";
        public decimal CostUsd { get; init; } = 0.01m;
        public string? Error { get; init; }
    }

    /// <summary>A task of <paramref name="customerId"/> with one model step (alias as its name, model in its usage) and its span.</summary>
    public static async Task<AgentTask> TaskAsync(IKeelStore store, string customerId, Spec? spec = null)
    {
        spec ??= new Spec();
        var started = spec.CreatedAt;
        var task = new AgentTask
        {
            Id = KeelIds.NewTaskId(),
            Agent = spec.Agent,
            CustomerId = customerId,
            SessionId = spec.SessionId,
            Input = spec.Input,
            Status = AgentTaskStatus.Running,
            CreatedAt = spec.CreatedAt,
            StartedAt = started,
        };
        if (spec.SessionId is { } session)
        {
            await store.EnsureSessionAsync(session, customerId, Ct);
        }

        await store.CreateTaskAsync(task, Ct);
        var ended = started + spec.Duration;
        var finished = spec.Status is AgentTaskStatus.Succeeded or AgentTaskStatus.Failed;
        await store.CommitStepAsync(new StepCommit
        {
            Step = new StepRecord
            {
                TaskId = task.Id,
                Seq = 1,
                Kind = StepKind.Model,
                Name = spec.Alias,
                Status = spec.Error is null ? StepStatus.Succeeded : StepStatus.Failed,
                Result = spec.Error is null ? """{"role":"assistant","content":"It ships tomorrow."}""" : null,
                Error = spec.Error,
                InputTokens = 100,
                OutputTokens = 20,
                CostUsd = spec.CostUsd,
                StartedAt = started,
                EndedAt = ended,
            },
            Spans =
            [
                new SpanRecord
                {
                    TraceId = TraceIds.NewTraceId(),
                    SpanId = TraceIds.NewSpanId(),
                    TaskId = task.Id,
                    StepSeq = 1,
                    Name = $"chat {spec.Alias}",
                    StartTime = started,
                    EndTime = ended,
                    Attributes = new Dictionary<string, object?> { [GenAiAttributes.RequestModel] = spec.Alias, [GenAiAttributes.ResponseModel] = spec.Model },
                },
            ],
            Usage =
            [
                new UsageEvent
                {
                    IdempotencyKey = $"{task.Id}:1:model",
                    CustomerId = customerId,
                    TaskId = task.Id,
                    StepSeq = 1,
                    Kind = UsageKind.Model,
                    Resource = spec.Model,
                    Deployment = "primary",
                    InputTokens = 100,
                    OutputTokens = 20,
                    CostUsd = spec.CostUsd,
                    CreatedAt = ended,
                    SessionId = spec.SessionId,
                    Agent = spec.Agent,
                },
            ],
            Task = task with
            {
                Status = spec.Status,
                EndedAt = finished ? ended : null,
                Output = spec.Status == AgentTaskStatus.Succeeded ? "It ships tomorrow." : null,
                Error = spec.Status == AgentTaskStatus.Failed ? spec.Error ?? "failed" : null,
            },
        }, Ct);
        return (await store.GetTaskSummaryAsync(task.Id, Ct))!.Task;
    }
}

/// <summary>Tasks parked on an approval, as the durable runtime leaves them.</summary>
internal static class WaitingTasks
{
    public static async Task<AgentTask> CreateAsync(IKeelStore store, string customerId, string agent = "support", string request = "Refund $200")
    {
        var ct = TestContext.Current.CancellationToken;
        var now = DateTimeOffset.UtcNow;
        var task = new AgentTask { Id = KeelIds.NewTaskId(), Agent = agent, CustomerId = customerId, CreatedAt = now, Status = AgentTaskStatus.Running, StartedAt = now, Input = "refund please" };
        await store.CreateTaskAsync(task, ct);
        await store.CommitStepAsync(new StepCommit
        {
            Task = task with { Status = AgentTaskStatus.Waiting },
            OpenApproval = new Approvals.Approval { TaskId = task.Id, Seq = 1, CustomerId = customerId, Request = request, RequestedAt = now },
        }, ct);
        return task;
    }
}
