using Keel.Inspection;

namespace Keel.Cli.Output;

/// <summary>
/// `keel trace TASK_ID --step N --json`: a step's inspection, in the shape of the dashboard API's
/// <c>GET /api/tasks/{id}/steps/{seq}</c>, with the step as `keel trace --json` lists its steps.
/// </summary>
internal sealed record StepDocument(
    TraceStep Step,
    ContextWindow? Context,
    ContextDiff? Diff,
    IReadOnlyList<int> ErrorPath,
    ToolInvocation? Tool,
    string? Result,
    string? Error)
{
    public static StepDocument From(StepInspection inspection) => new(
        TaskRows.From(inspection.Step), inspection.Context, inspection.Diff, inspection.ErrorPath, inspection.Tool, inspection.Result, inspection.Error);
}
