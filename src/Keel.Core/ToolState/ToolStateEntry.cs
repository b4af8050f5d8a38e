namespace Keel.ToolState;

/// <summary>
/// One version of a tool state value. Versions count from 1 and grow by one with each write, so the version a
/// reader saw is what it hands back to <see cref="ToolStateWrite.ExpectedVersion"/> to write without losing an update.
/// </summary>
/// <param name="Value">The value as JSON.</param>
/// <param name="UpdatedAt">When this version was written (to the microsecond, as stores keep it).</param>
/// <param name="TaskId">The task whose step wrote this version; null for a write from outside a task (CLI, API).</param>
/// <param name="StepSeq">That task's journal step.</param>
public sealed record ToolStateEntry(ToolStateKey Key, string Value, long Version, DateTimeOffset UpdatedAt, string? TaskId = null, int? StepSeq = null);
