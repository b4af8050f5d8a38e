using System.Globalization;
using Keel.Inspection;
using Keel.Journal;
using Spectre.Console;

namespace Keel.Cli.Output;

/// <summary>
/// `keel trace TASK_ID --step N [--context]`: one step read closely. Its outcome, a tool's arguments and result, a
/// model's answer; with --context the exact window the model was sent and what changed since the previous model
/// call; for a failed step, the earlier steps whose outputs fed it.
/// </summary>
internal static class StepView
{
    public static void Render(IAnsiConsole console, StepInspection inspection, IReadOnlyList<StepRecord> steps, bool withContext)
    {
        var step = inspection.Step;
        console.MarkupLine(Header(step));
        if (inspection.Error is { } error)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(error)}");
        }

        if (inspection.Tool is { } tool)
        {
            console.MarkupLine($"[bold]arguments:[/] {Markup.Escape(tool.Arguments ?? "(not recorded)")}");
            if (tool.Result is { } result)
            {
                console.MarkupLine($"[bold]result:[/] {Markup.Escape(result)}");
            }
        }
        else if (step.Kind != StepKind.Model && inspection.Result is { } result)
        {
            console.MarkupLine($"[bold]result:[/] {Markup.Escape(result)}");
        }

        if (withContext)
        {
            Context(console, inspection);
        }
        else if (step.Kind == StepKind.Model)
        {
            console.MarkupLine("[grey]Add --context to see the context window this call was sent and its diff against the previous model call.[/]");
        }

        if (step.Kind == StepKind.Model && inspection.Result is { } answer)
        {
            console.WriteLine();
            console.MarkupLine("[bold]Answer[/]");
            Message(console, ContextMessage.Parse(answer), "  ", numbered: false);
        }

        if (step.Status == StepStatus.Failed)
        {
            ErrorPath(console, inspection, steps);
        }
    }

    private static void Context(IAnsiConsole console, StepInspection inspection)
    {
        console.WriteLine();
        if (inspection.Context is not { } context)
        {
            console.MarkupLine(inspection.Step.Kind == StepKind.Model
                ? "[grey]No context window was recorded for this model call.[/]"
                : $"[grey]Step {inspection.Step.Seq} is a {Kind(inspection.Step)} step: only model calls have a context window.[/]");
            return;
        }

        var request = context.Request;
        console.MarkupLine($"[bold]Context window[/]  {context.Messages.Count} message{(context.Messages.Count == 1 ? "" : "s")}" +
            (request.Model is null ? "" : $"  model [blue]{Markup.Escape(request.Model)}[/]"));
        if (request.Parameters.Count > 0)
        {
            console.MarkupLine("  [grey]parameters:[/] " + Markup.Escape(string.Join("  ", request.Parameters.Select(p => $"{p.Key}={p.Value.GetRawText()}"))));
        }

        foreach (var tool in request.Tools)
        {
            console.MarkupLine($"  [grey]tool:[/] [bold]{Markup.Escape(tool.Name)}[/]" + (tool.Description is null ? "" : $" — {Markup.Escape(tool.Description)}") +
                (tool.Parameters is { } schema ? $" [grey]{Markup.Escape(schema.GetRawText())}[/]" : ""));
        }

        foreach (var message in context.Messages)
        {
            Message(console, message, "  ");
        }

        console.WriteLine();
        if (inspection.Diff is not { } diff)
        {
            console.MarkupLine("[bold]Diff[/]  [grey]the first model call of the task: nothing to compare with.[/]");
            return;
        }

        console.MarkupLine($"[bold]Diff against step #{diff.PreviousSeq}[/]  {diff.Same} same, [green]{diff.Added} added[/], [red]{diff.Removed} removed[/]");
        for (var i = 0; i < diff.Lines.Count;)
        {
            var line = diff.Lines[i];
            if (line.Op == DiffOp.Same)
            {
                // A context grows by appending: runs of unchanged messages are the bulk, and read as one line.
                var run = diff.Lines.Skip(i).TakeWhile(l => l.Op == DiffOp.Same).ToList();
                console.MarkupLine($"[grey]  = {run.Count} unchanged message{(run.Count == 1 ? "" : "s")} (#{run[0].Index}–#{run[^1].Index})[/]");
                i += run.Count;
                continue;
            }

            var (mark, color) = line.Op == DiffOp.Added ? ('+', "green") : ('-', "red");
            var text = line.Text.Split('\n');
            console.MarkupLine($"[{color}]{mark} [[{line.Index}]] {Markup.Escape(line.Role)}: {Markup.Escape(text[0])}[/]");
            foreach (var more in text.Skip(1))
            {
                console.MarkupLine($"[{color}]{mark}     {Markup.Escape(more)}[/]");
            }

            i++;
        }
    }

    private static void Message(IAnsiConsole console, ContextMessage message, string indent, bool numbered = true)
    {
        var style = message.Role switch
        {
            "system" or "developer" => "grey bold",
            "user" => "blue bold",
            "assistant" => "green bold",
            "tool" or "function" => "yellow bold",
            _ => "bold",
        };
        var number = numbered ? $"[[{message.Index}]] " : "";
        console.MarkupLine($"{indent}[{style}]{number}{Markup.Escape(message.Role)}[/]");
        var body = indent + "    ";
        if (message.Text.Length > 0)
        {
            Lines(console, body, "", message.Text);
        }

        foreach (var call in message.ToolCalls)
        {
            Lines(console, body, $"[green]→ {Markup.Escape(call.Name)}[/]", $"({call.Arguments}) ", $"[grey]{Markup.Escape(call.Id)}[/]");
        }

        foreach (var result in message.ToolResults)
        {
            Lines(console, body, $"[yellow]← {Markup.Escape(result.CallId)}[/] ", result.Result);
        }
    }

    /// <summary>Text that may span lines (a tool's indented JSON, say), every line under the first at the same indent.</summary>
    private static void Lines(IAnsiConsole console, string indent, string lead, string text, string tail = "")
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            console.MarkupLine(indent + (i == 0 ? lead : "  ") + Markup.Escape(lines[i].TrimEnd('\r')) + (i == lines.Length - 1 ? tail : ""));
        }
    }

    private static void ErrorPath(IAnsiConsole console, StepInspection inspection, IReadOnlyList<StepRecord> steps)
    {
        console.WriteLine();
        if (inspection.ErrorPath.Count == 0)
        {
            console.MarkupLine("[bold]Error path[/]  [grey]no earlier step fed this one.[/]");
            return;
        }

        console.MarkupLine($"[bold]Error path[/]  [grey]the earlier steps whose outputs fed step #{inspection.Step.Seq}, newest first[/]");
        var bySeq = steps.ToDictionary(s => s.Seq);
        console.MarkupLine("  " + Header(inspection.Step));
        foreach (var seq in inspection.ErrorPath)
        {
            console.MarkupLine(bySeq.TryGetValue(seq, out var step) ? "  ← " + Header(step) : $"  ← #{seq}");
        }
    }

    private static string Header(StepRecord step)
    {
        var mark = step.Status == StepStatus.Succeeded ? "[green]✓[/]" : "[red]✗[/]";
        var parts = new List<string> { $"[bold]#{step.Seq}[/]", Kind(step), Markup.Escape(step.Name), mark, Format.Duration((step.EndedAt - step.StartedAt).TotalMilliseconds) };
        if (step.Kind == StepKind.Model)
        {
            parts.Add($"{step.InputTokens.ToString(CultureInfo.InvariantCulture)} in / {step.OutputTokens.ToString(CultureInfo.InvariantCulture)} out tok");
        }

        if (step.CostUsd != 0)
        {
            parts.Add(Format.Usd(step.CostUsd));
        }

        return string.Join("  ", parts);
    }

    private static string Kind(StepRecord step) => step.Kind.ToString().ToLowerInvariant();
}
