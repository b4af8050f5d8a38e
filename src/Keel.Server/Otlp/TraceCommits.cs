using Keel.Context;
using Keel.Journal;
using Keel.Pricing;
using Keel.Storage;
using Keel.Tasks;
using Keel.Telemetry.GenAi;
using Keel.Tracing;
using Keel.Usage;

namespace Keel.Server.Otlp;

/// <summary>
/// Turns the new spans of one trace into the commits of its Keel task. The trace is the task: a new trace's task is
/// named in time order like every Keel task (<c>task_</c> + a UUID v7 of the time it is ingested), so its rows are
/// appended beside the newest tasks' rather than at random places of the task-keyed tables, and it is linked to the
/// trace id in the same transaction (<see cref="StepCommit.IngestedTraceId"/>), which is how later requests find it.
/// Each model-call span (<c>chat</c>, <c>text_completion</c>, <c>generate_content</c>, <c>embeddings</c>) becomes a
/// model step, priced from the price table when its model is listed; each <c>execute_tool</c> span a tool step; every
/// other span (<c>invoke_agent</c>, HTTP, the framework's own) is stored as a span of the task with no step. Steps are
/// numbered in the order their spans started, after the steps an earlier request stored. Content the sender captured
/// (<c>gen_ai.input.messages</c> and the rest) becomes the step's context snapshot and recorded answer, stored once
/// however many steps repeat it.
/// </summary>
internal static class TraceCommits
{
    /// <summary>Attributes Keel adds to an ingested span.</summary>
    public const string UnpricedAttribute = "keel.unpriced";
    public const string SourceAttribute = "keel.source";

    private static readonly string[] ContentAttributes =
        [GenAiContent.SystemInstructions, GenAiContent.InputMessages, GenAiContent.OutputMessages, GenAiContent.ToolDefinitions];

    /// <summary>
    /// A new trace's task id: Keel's task id format (<see cref="KeelIds"/>), its UUID v7 taken when the trace is ingested,
    /// as Keel's own tasks take theirs when they are created. Not at the trace's start: exporters send traces seconds to
    /// minutes after they start, so ids from start times would land among the last minutes' tasks instead of after them,
    /// and their spans on pages all over that stretch of the file (3x slower on the bench than ingestion-time ids).
    /// </summary>
    public static string NewTaskId(DateTimeOffset ingestedAt) => $"task_{Guid.CreateVersion7(ingestedAt):N}";

    /// <summary>Adds the commits that store <paramref name="fresh"/> to <paramref name="commits"/>.</summary>
    /// <param name="existing">The trace as stored before this batch; null for a trace seen first now.</param>
    /// <param name="fresh">The spans not stored yet, each once, all of one customer; sorted here into step order.</param>
    /// <param name="ingestedAt">Now: a new task's id is taken at this time.</param>
    public static void Build(List<StepCommit> commits, IngestedTrace? existing, List<IngestedSpan> fresh, string? sessionId, PriceTable prices, DateTimeOffset ingestedAt)
    {
        fresh.Sort(IngestedSpan.InOrder);
        var task = Merge(existing?.Task, fresh, sessionId, ingestedAt);

        var first = commits.Count;
        List<SpanRecord>? plainSpans = null;
        var seq = existing?.NextStepSeq ?? 1;
        foreach (var span in fresh)
        {
            switch (span.Operation)
            {
                case "chat" or "text_completion" or "generate_content" or "embeddings":
                    commits.Add(ModelStep(task, span, seq++, prices));
                    break;
                case GenAiAttributes.Operations.ExecuteTool:
                    commits.Add(ToolStep(task, span, seq++));
                    break;
                default:
                    (plainSpans ??= []).Add(Record(span, task.Id, stepSeq: null, snapshotId: null));
                    break;
            }
        }

        if (plainSpans is not null)
        {
            commits.Add(new StepCommit { Spans = plainSpans, Ingested = true });
        }

        if (existing is null)
        {
            // A new task is written once, in its final state (Merge saw all its spans), with the link to its trace.
            commits[first] = commits[first] with { CreateTaskIfMissing = task, IngestedTraceId = fresh[0].TraceId };
        }
        else
        {
            commits[^1] = commits[^1] with { Task = task };
        }
    }

    /// <summary>
    /// The task after this batch: its id, creation time, agent, customer and session are fixed by the first request of
    /// the trace; its start and end grow to cover every span; it fails when its root or agent span failed. <paramref name="spans"/> are in order.
    /// </summary>
    private static AgentTask Merge(AgentTask? existing, List<IngestedSpan> spans, string? sessionId, DateTimeOffset ingestedAt)
    {
        var first = spans[0];
        IngestedSpan? agentSpan = null, failure = null;
        string? input = null, output = null;
        var outputEnd = DateTimeOffset.MinValue;
        var end = first.End;
        foreach (var span in spans)
        {
            var isAgent = span.Operation == GenAiAttributes.Operations.InvokeAgent;
            agentSpan ??= isAgent ? span : null;
            if (failure is null && span.Failed && (span.ParentSpanId is null || isAgent))
            {
                failure = span;
            }

            end = span.End > end ? span.End : end;
            if (span.Text(GenAiContent.InputMessages) is { } messages && input is null)
            {
                input = GenAiMessages.LastUserText(messages);
            }

            // The answer of the call that ended last (of two that ended together, the one that started later) is the task's output.
            if (span.Text(GenAiContent.OutputMessages) is { } answer && span.End >= outputEnd && GenAiMessages.OutputText(answer) is { } text)
            {
                (output, outputEnd) = (text, span.End);
            }
        }

        var start = first.Start; // spans are in order: the first started first
        var failed = existing?.Status == AgentTaskStatus.Failed || failure is not null;
        return new AgentTask
        {
            Id = existing?.Id ?? NewTaskId(ingestedAt),
            Agent = existing?.Agent ?? agentSpan?.Text(GenAiAttributes.AgentName) ?? first.ServiceName ?? "otlp",
            CustomerId = first.CustomerId,
            SessionId = existing?.SessionId ?? sessionId,
            Status = failed ? AgentTaskStatus.Failed : AgentTaskStatus.Succeeded,
            Input = existing?.Input ?? input,
            Output = output ?? existing?.Output,
            Error = existing?.Error ?? (failure is null ? null : ErrorOf(failure)),
            // Created when Keel first heard of the trace, as the id says; started when its first span did. So the task list
            // (newest created first) shows traces in the order they arrived, and their tasks' rows in every created_at-keyed
            // index are appended at its end, where a trace's own start time, minutes back, would land them on a random
            // page each (half the commit's pages, a third of its time on the bench).
            CreatedAt = existing?.CreatedAt ?? ingestedAt,
            StartedAt = Min(existing?.StartedAt, start),
            EndedAt = Max(existing?.EndedAt, end),
        };
    }

    private static StepCommit ModelStep(AgentTask task, IngestedSpan span, int seq, PriceTable prices)
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
                IdempotencyKey = $"otlp/{task.Id}/{span.SpanId}", // the usage table's key: in time order, like the task's
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
                ApiKeyId = span.ApiKeyId,
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
            Ingested = true,
        };
    }

    private static StepCommit ToolStep(AgentTask task, IngestedSpan span, int seq)
    {
        var result = span.Take(GenAiContent.ToolCallResult);
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
            Ingested = true,
        };
    }

    private static SpanRecord Record(IngestedSpan span, string taskId, int? stepSeq, string? snapshotId)
    {
        if (snapshotId is not null)
        {
            // The content lives in the snapshot (each message stored once) and the step's result, not on every span.
            foreach (var key in ContentAttributes)
            {
                span.Take(key);
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
