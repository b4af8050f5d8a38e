namespace Keel.Tracing;

/// <summary>A finished span, named and attributed after the OpenTelemetry gen_ai semantic conventions.</summary>
public sealed record SpanRecord
{
    public required string TraceId { get; init; }
    public required string SpanId { get; init; }
    public string? ParentSpanId { get; init; }
    public required string TaskId { get; init; }

    /// <summary>The journal step the span belongs to; null for the task's own span.</summary>
    public int? StepSeq { get; init; }

    public required string Name { get; init; }
    public required DateTimeOffset StartTime { get; init; }
    public required DateTimeOffset EndTime { get; init; }
    public SpanStatus Status { get; init; } = SpanStatus.Ok;
    public string? StatusMessage { get; init; }
    public IReadOnlyDictionary<string, object?> Attributes { get; init; } = new Dictionary<string, object?>();

    /// <summary>The context window sent to the model, for a model-call span.</summary>
    public string? SnapshotId { get; init; }

    public TimeSpan Duration => EndTime - StartTime;
}
