using Keel.Context;
using Keel.Journal;
using Keel.Pricing;
using Keel.Tasks;
using Keel.Telemetry.GenAi;
using Keel.Tracing;
using Keel.Usage;

namespace Keel.Server.Otlp;

/// <summary>
/// Turns the new spans of one trace into the commits of its Keel task. The trace is the task (its id is
/// <c>task_</c> followed by the trace id); each model-call span (<c>chat</c>, <c>text_completion</c>,
/// <c>generate_content</c>, <c>embeddings</c>) becomes a model step, priced from the price table when its model is
/// listed; each <c>execute_tool</c> span a tool step; every other span (<c>invoke_agent</c>, HTTP, the framework's
/// own) is stored as a span of the task with no step. Steps are numbered in the order their spans started, after
/// the steps an earlier request stored. Content the sender captured (<c>gen_ai.input.messages</c> and the rest)
/// becomes the step's context snapshot and recorded answer, stored once however many steps repeat it.
/// </summary>
internal static class TraceCommits
{
    /// <summary>Attributes Keel adds to an ingested span.</summary>
    public const string UnpricedAttribute = "keel.unpriced";
    public const string SourceAttribute = "keel.source";

    private static readonly HashSet<string> ModelOperations = new(StringComparer.Ordinal) { "chat", "text_completion", "generate_content", "embeddings" };

    private static readonly string[] ContentAttributes =
        [GenAiContent.SystemInstructions, GenAiContent.InputMessages, GenAiContent.OutputMessages, GenAiContent.ToolDefinitions];

    public static string TaskId(string traceId) => $"task_{traceId}";

    /// <param name="existing">The trace's task as stored before this request; null for a trace seen first now.</param>
    /// <param name="fresh">The spans not stored yet, each once.</param>
    public static List<StepCommit> Build(AgentTask? existing, IReadOnlyList<IngestedSpan> fresh, int nextSeq, string? sessionId, string? apiKeyId, PriceTable prices)
    {
        var first = fresh[0];
        var taskId = TaskId(first.TraceId);
        // Steps in the order they happened: by start, then by end (a call that ended before another started in the
        // same clock tick came first), then by span id only so that the order is stable.
        var ordered = fresh.OrderBy(s => s.Start).ThenBy(s => s.End).ThenBy(s => s.SpanId, StringComparer.Ordinal).ToList();
        var task = Merge(existing, ordered, taskId, sessionId);

        var commits = new List<StepCommit>();
        var plainSpans = new List<SpanRecord>();
        var seq = nextSeq;
        foreach (var span in ordered)
        {
            var operation = span.Text(GenAiAttributes.OperationName);
            if (operation is not null && ModelOperations.Contains(operation))
            {
                commits.Add(ModelStep(task, span, seq++, apiKeyId, prices));
            }
            else if (operation == GenAiAttributes.Operations.ExecuteTool)
            {
                commits.Add(ToolStep(task, span, seq++));
            }
            else
            {
                plainSpans.Add(Record(span, taskId, stepSeq: null, snapshotId: null));
            }
        }

        if (plainSpans.Count > 0)
        {
            commits.Add(new StepCommit { Spans = plainSpans });
        }

        commits[0] = commits[0] with { CreateTaskIfMissing = existing is null ? task : null };
        commits[^1] = commits[^1] with { Task = task };
        return commits;
    }

    /// <summary>
    /// The task after this request: its agent, customer and session are fixed by the first request of the trace; its
    /// times grow to cover every span; it fails when its root or agent span failed.
    /// </summary>
    private static AgentTask Merge(AgentTask? existing, List<IngestedSpan> spans, string taskId, string? sessionId)
    {
        var first = spans[0];
        var agentSpan = spans.FirstOrDefault(s => s.Text(GenAiAttributes.OperationName) == GenAiAttributes.Operations.InvokeAgent);
        var failure = spans.FirstOrDefault(s => s.Failed && (s.ParentSpanId is null || s.Text(GenAiAttributes.OperationName) == GenAiAttributes.Operations.InvokeAgent));
        var start = spans.Min(s => s.Start);
        var end = spans.Max(s => s.End);
        var chats = spans.Where(s => s.Text(GenAiContent.InputMessages) is not null || s.Text(GenAiContent.OutputMessages) is not null).ToList();
        var input = chats.Select(s => GenAiMessages.LastUserText(s.Text(GenAiContent.InputMessages))).FirstOrDefault(t => t is not null);
        var output = chats.OrderBy(s => s.End).Select(s => GenAiMessages.OutputText(s.Text(GenAiContent.OutputMessages))).LastOrDefault(t => t is not null);
        var failed = existing?.Status == AgentTaskStatus.Failed || failure is not null;
        return new AgentTask
        {
            Id = taskId,
            Agent = existing?.Agent ?? agentSpan?.Text(GenAiAttributes.AgentName) ?? first.ServiceName ?? "otlp",
            CustomerId = first.CustomerId,
            SessionId = existing?.SessionId ?? sessionId,
            Status = failed ? AgentTaskStatus.Failed : AgentTaskStatus.Succeeded,
            Input = existing?.Input ?? input,
            Output = output ?? existing?.Output,
            Error = existing?.Error ?? (failure is null ? null : ErrorOf(failure)),
            CreatedAt = Min(existing?.CreatedAt, start),
            StartedAt = Min(existing?.StartedAt, start),
            EndedAt = Max(existing?.EndedAt, end),
        };
    }

    private static StepCommit ModelStep(AgentTask task, IngestedSpan span, int seq, string? apiKeyId, PriceTable prices)
    {
        var requestModel = span.Text(GenAiAttributes.RequestModel);
        var model = span.Text(GenAiAttributes.ResponseModel) ?? requestModel;
        var input = span.Number(GenAiAttributes.UsageInputTokens);
        var output = span.Number(GenAiAttributes.UsageOutputTokens);
        var cached = Math.Min(input, span.Number("gen_ai.usage.cache_read.input_tokens"));

        UsageEvent? usage = null;
        if (model is not null && prices.TryGet(model, out var price))
        {
            usage = new UsageEvent
            {
                IdempotencyKey = $"otlp/{span.TraceId}/{span.SpanId}",
                CustomerId = task.CustomerId,
                TaskId = task.Id,
                StepSeq = seq,
                Kind = UsageKind.Model,
                Resource = model,
                Deployment = span.Text(GenAiAttributes.ProviderName),
                InputTokens = input,
                CachedInputTokens = cached,
                OutputTokens = output,
                CostUsd = price.Cost(input, cached, output),
                CreatedAt = span.End,
                ApiKeyId = apiKeyId,
                SessionId = task.SessionId,
                Agent = task.Agent,
            };
            span.Attributes[GenAiAttributes.KeelCostUsd] = usage.CostUsd;
        }
        else
        {
            // Recorded without a cost rather than refused: the call happened elsewhere and was paid for there. The
            // flag says its cost is unknown, not zero; add the model to a price table (--prices) to price later calls.
            span.Attributes[UnpricedAttribute] = true;
        }

        ContextSnapshot? snapshot = null;
        if (span.Text(GenAiContent.InputMessages) is { } messages)
        {
            snapshot = ContextSnapshot.FromMessages(GenAiMessages.ToSnapshot(
                requestModel ?? model, span.Text(GenAiContent.SystemInstructions), messages, span.Text(GenAiContent.ToolDefinitions)));
        }

        var answer = GenAiMessages.ToRecordedAnswer(span.Text(GenAiContent.OutputMessages));
        var record = Record(span, task.Id, seq, snapshot?.Id);
        return new StepCommit
        {
            Step = new StepRecord
            {
                TaskId = task.Id,
                Seq = seq,
                Kind = StepKind.Model,
                Name = requestModel ?? model ?? span.Span.Name,
                Status = span.Failed ? StepStatus.Failed : StepStatus.Succeeded,
                Result = answer,
                Error = span.Failed ? ErrorOf(span) : null,
                InputTokens = input,
                OutputTokens = output,
                CostUsd = usage?.CostUsd ?? 0,
                StartedAt = span.Start,
                EndedAt = span.End,
            },
            Spans = [record],
            Snapshots = snapshot is null ? [] : [snapshot],
            Usage = usage is null ? [] : [usage],
        };
    }

    private static StepCommit ToolStep(AgentTask task, IngestedSpan span, int seq)
    {
        span.Attributes.Remove(GenAiContent.ToolCallResult, out var result);
        return new StepCommit
        {
            Step = new StepRecord
            {
                TaskId = task.Id,
                Seq = seq,
                Kind = StepKind.Tool,
                Name = span.Text(GenAiAttributes.ToolName) ?? span.Span.Name,
                Status = span.Failed ? StepStatus.Failed : StepStatus.Succeeded,
                Result = result as string,
                Error = span.Failed ? ErrorOf(span) : null,
                StartedAt = span.Start,
                EndedAt = span.End,
            },
            Spans = [Record(span, task.Id, seq, snapshotId: null)],
        };
    }

    private static SpanRecord Record(IngestedSpan span, string taskId, int? stepSeq, string? snapshotId)
    {
        if (snapshotId is not null)
        {
            // The content lives in the snapshot (each message stored once) and the step's result, not on every span.
            foreach (var key in ContentAttributes)
            {
                span.Attributes.Remove(key);
            }
        }

        span.Attributes[SourceAttribute] = "otlp";
        if (span.ServiceName is { } service)
        {
            span.Attributes.TryAdd("service.name", service);
        }

        return new SpanRecord
        {
            TraceId = span.TraceId,
            SpanId = span.SpanId,
            ParentSpanId = span.ParentSpanId,
            TaskId = taskId,
            StepSeq = stepSeq,
            Name = span.Span.Name.Length > 0 ? span.Span.Name : "(unnamed)",
            StartTime = span.Start,
            EndTime = span.End,
            Status = span.Failed ? SpanStatus.Error : SpanStatus.Ok,
            StatusMessage = span.Failed ? ErrorOf(span) : null,
            Attributes = span.Attributes,
            SnapshotId = snapshotId,
        };
    }

    private static string ErrorOf(IngestedSpan span) =>
        span.Span.Status?.Message is { Length: > 0 } message ? message : span.Text(GenAiAttributes.ErrorType) ?? "error";

    private static DateTimeOffset Min(DateTimeOffset? a, DateTimeOffset b) => a is { } value && value < b ? value : b;

    private static DateTimeOffset Max(DateTimeOffset? a, DateTimeOffset b) => a is { } value && value > b ? value : b;
}
