namespace Keel.Journal;

/// <summary>One entry of a task's journal. A completed entry is the step's result for every later replay.</summary>
public sealed record StepRecord
{
    public required string TaskId { get; init; }
    public required int Seq { get; init; }
    public required StepKind Kind { get; init; }
    public required string Name { get; init; }
    public required StepStatus Status { get; init; }

    /// <summary>Provider attempts the step took, across retries and fallbacks; 1 for a clean call.</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>How many times the step moved to a further deployment.</summary>
    public int Fallbacks { get; init; }

    /// <summary>The step's result as JSON, replayed instead of re-running the step.</summary>
    public string? Result { get; init; }

    public string? Error { get; init; }
    public long InputTokens { get; init; }
    public long OutputTokens { get; init; }
    public decimal CostUsd { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required DateTimeOffset EndedAt { get; init; }

    public int Retries => Math.Max(0, Attempts - 1 - Fallbacks);
}
