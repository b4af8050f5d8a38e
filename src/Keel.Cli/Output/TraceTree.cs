using System.Globalization;
using Keel.Journal;
using Keel.Tasks;
using Keel.Tracing;
using Spectre.Console;

namespace Keel.Cli.Output;

/// <summary>A task's spans as a tree: the agent span, its steps, and each step's provider attempts.</summary>
internal static class TraceTree
{
    public static Tree Render(TaskSummary summary, IReadOnlyList<StepRecord> steps, IReadOnlyList<SpanRecord> spans)
    {
        var task = summary.Task;
        var tree = new Tree($"[bold]{task.Id}[/]  {Markup.Escape(task.Agent)}  {Commands.TasksCommand.StatusMarkup(task.Status)}  " +
            $"{Format.Duration(summary.Duration?.TotalMilliseconds)}  {Format.Usd(summary.CostUsd)}  " +
            $"[grey]{summary.Steps} steps · {summary.ModelCalls} model calls · {summary.Retries} retries · {summary.Fallbacks} fallbacks[/]");

        var children = spans.Where(s => s.ParentSpanId is not null).ToLookup(s => s.ParentSpanId!);
        var stepsBySeq = steps.ToDictionary(s => s.Seq);
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var roots = spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).OrderBy(s => s.StartTime);
        foreach (var root in roots)
        {
            Add(tree, root, children, stepsBySeq, task.StartedAt ?? task.CreatedAt);
        }

        return tree;
    }

    private static void Add(IHasTreeNodes parent, SpanRecord span, ILookup<string, SpanRecord> children, Dictionary<int, StepRecord> steps, DateTimeOffset origin)
    {
        var node = parent.AddNode(Label(span, steps, origin));
        if (span.Status == SpanStatus.Error && span.StatusMessage is { } message && children[span.SpanId].All(c => c.Status != SpanStatus.Error || c.StatusMessage != message))
        {
            node.AddNode($"[red]error:[/] {Markup.Escape(message)}");
        }

        foreach (var child in children[span.SpanId].OrderBy(s => s.StartTime))
        {
            Add(node, child, children, steps, origin);
        }
    }

    private static string Label(SpanRecord span, Dictionary<int, StepRecord> steps, DateTimeOffset origin)
    {
        var mark = span.Status == SpanStatus.Ok ? "[green]✓[/]" : "[red]✗[/]";
        var offset = (span.StartTime - origin).TotalMilliseconds.ToString("+0;-0", CultureInfo.InvariantCulture) + " ms";
        var parts = new List<string>();
        var isStep = span.StepSeq is { } seq && steps.TryGetValue(seq, out var step) && !span.Attributes.ContainsKey(GenAiAttributes.KeelAttempt);
        if (isStep)
        {
            parts.Add($"[bold]#{span.StepSeq}[/]");
        }

        parts.Add(Markup.Escape(span.Name));
        parts.Add(mark);
        parts.Add(Format.Duration(span.Duration.TotalMilliseconds));
        parts.Add($"[grey]at {offset}[/]");
        if (span.Attributes.TryGetValue(GenAiAttributes.KeelDeployment, out var deployment) && deployment is not null)
        {
            parts.Add($"[blue]{Markup.Escape(deployment.ToString()!)}[/]");
        }

        if (span.Attributes.TryGetValue(GenAiAttributes.UsageInputTokens, out var input) && span.Attributes.TryGetValue(GenAiAttributes.UsageOutputTokens, out var output))
        {
            parts.Add($"{input} in / {output} out tok");
        }

        if (isStep && steps[span.StepSeq!.Value] is { Kind: StepKind.Model } modelStep)
        {
            parts.Add(Format.Usd(modelStep.CostUsd));
            if (modelStep.Retries > 0)
            {
                parts.Add($"[yellow]{modelStep.Retries} retr{(modelStep.Retries == 1 ? "y" : "ies")}[/]");
            }

            if (modelStep.Fallbacks > 0)
            {
                parts.Add($"[yellow]{modelStep.Fallbacks} fallback{(modelStep.Fallbacks == 1 ? "" : "s")}[/]");
            }
        }

        if (span.Attributes.TryGetValue(GenAiAttributes.ErrorType, out var errorType) && errorType is not null)
        {
            parts.Add($"[red]{Markup.Escape(errorType.ToString()!)}[/]");
        }

        return string.Join("  ", parts);
    }
}
