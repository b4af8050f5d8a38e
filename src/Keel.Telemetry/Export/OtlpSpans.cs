using Keel.Journal;
using Keel.Telemetry.GenAi;
using Keel.Telemetry.Otlp;
using Keel.Telemetry.Otlp.Proto;
using Keel.Tracing;

namespace Keel.Telemetry.Export;

/// <summary>
/// Keel's recorded spans as OTLP spans, with their own trace ids, span ids, parents, times, status and attributes:
/// a collector sees the same trace that <c>keel trace</c> shows.
/// </summary>
internal static class OtlpSpans
{
    public const string TaskIdAttribute = "keel.task.id";
    public const string StepSeqAttribute = "keel.step.seq";

    /// <summary>The spans of a commit to export, each with the content it carries when <paramref name="captureContent"/>.</summary>
    public static IEnumerable<ExportedSpan> Of(StepCommit commit, bool captureContent)
    {
        foreach (var span in commit.Spans)
        {
            if (!captureContent || commit.Step is not { } step || span.StepSeq != step.Seq)
            {
                yield return new ExportedSpan(span);
            }
            else if (span.SnapshotId is { } snapshotId)
            {
                // The step's own chat span; its per-attempt children carry no snapshot and get no content.
                yield return new ExportedSpan(span, commit.Snapshots.FirstOrDefault(s => s.Id == snapshotId), step.Result);
            }
            else if (step.Kind == StepKind.Tool && Operation(span) == GenAiAttributes.Operations.ExecuteTool)
            {
                yield return new ExportedSpan(span, null, step.Result);
            }
            else
            {
                yield return new ExportedSpan(span);
            }
        }
    }

    /// <returns>Null for a span whose ids OTLP cannot carry (not hex of the right length).</returns>
    public static Span? ToOtlp(ExportedSpan exported)
    {
        var record = exported.Span;
        if (!OtlpIds.IsValidHex(record.TraceId, OtlpIds.TraceIdBytes) || !OtlpIds.IsValidHex(record.SpanId, OtlpIds.SpanIdBytes)
            || (record.ParentSpanId is not null && !OtlpIds.IsValidHex(record.ParentSpanId, OtlpIds.SpanIdBytes)))
        {
            return null;
        }

        var operation = Operation(record);
        var span = new Span
        {
            TraceId = OtlpIds.FromHex(record.TraceId),
            SpanId = OtlpIds.FromHex(record.SpanId),
            ParentSpanId = OtlpIds.FromHex(record.ParentSpanId),
            Flags = 0x01, // sampled: every recorded span is
            Name = record.Name,
            // The conventions make a model call a client span (it leaves the process); agents and tools run inside.
            Kind = operation == GenAiAttributes.Operations.Chat ? Span.Types.SpanKind.Client : Span.Types.SpanKind.Internal,
            StartTimeUnixNano = OtlpIds.UnixNanos(record.StartTime),
            EndTimeUnixNano = OtlpIds.UnixNanos(record.EndTime),
            // Success is left unset, as instrumentation does per the specification; only errors carry a description.
            Status = record.Status == SpanStatus.Error
                ? new Status { Code = Status.Types.StatusCode.Error, Message = record.StatusMessage ?? "" }
                : new Status(),
        };
        foreach (var (key, value) in record.Attributes)
        {
            Add(span, key, value);
        }

        Add(span, TaskIdAttribute, record.TaskId);
        if (record.StepSeq is { } seq)
        {
            Add(span, StepSeqAttribute, seq);
        }

        if (exported.Input is { } input)
        {
            foreach (var (key, value) in GenAiMessages.FromSnapshot(input.Messages.Select(m => m.Text)))
            {
                Add(span, key, value);
            }
        }

        if (exported.Output is { } output)
        {
            if (operation == GenAiAttributes.Operations.ExecuteTool)
            {
                Add(span, GenAiContent.ToolCallResult, output);
            }
            else if (GenAiMessages.OutputMessages(output, FinishReason(record)) is { } messages)
            {
                Add(span, GenAiContent.OutputMessages, messages);
            }
        }

        return span;
    }

    private static string? Operation(SpanRecord span) => span.Attributes.TryGetValue(GenAiAttributes.OperationName, out var value) ? value as string : null;

    private static string? FinishReason(SpanRecord span) =>
        span.Attributes.TryGetValue(GenAiAttributes.ResponseFinishReasons, out var value) && value is System.Collections.IEnumerable reasons and not string
            ? reasons.Cast<object?>().FirstOrDefault() as string
            : null;

    private static void Add(Span span, string key, object? value)
    {
        if (OtlpValues.ToAnyValue(value) is { } any)
        {
            span.Attributes.Add(new KeyValue { Key = key, Value = any });
        }
    }
}
