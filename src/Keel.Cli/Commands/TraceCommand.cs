using System.CommandLine;
using Keel.Cli.Output;
using Keel.Inspection;
using Keel.Storage.Sqlite;
using Spectre.Console;

namespace Keel.Cli.Commands;

/// <summary>
/// `keel trace TASK_ID`: one task's steps and spans, with timings, tokens, cost, retries, fallbacks and errors;
/// `--step N [--context]`: one step closely, with the context window a model call was sent, its diff and the error path.
/// </summary>
internal static class TraceCommand
{
    public static Command Create(CliConsole console)
    {
        var db = CommonOptions.Db();
        var json = CommonOptions.Json();
        var taskId = new Argument<string>("TASK_ID") { Description = "The task's id, or a prefix of it that names only that task." };
        var step = new Option<int?>("--step")
        {
            Description = "Show one step closely: a tool's arguments and result, a model's answer, and for a failed step its error path (the earlier steps whose outputs fed it).",
            HelpName = "N",
        };
        var context = new Option<bool>("--context")
        {
            Description = "With --step: the context window the model call was sent (messages, tools, parameters) and its diff against the previous model call.",
        };
        var command = new Command("trace", "Show a task's steps and spans as a tree: timings, tokens, cost, status, retries, fallbacks, and the error of a failed step.")
        {
            taskId, step, context, db, json,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(context) && r.GetValue(step) is null)
            {
                r.AddError("--context needs --step N: the model call whose context window to show.");
            }
        });
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            var id = parse.GetValue(taskId)!;
            var task = await store.FindTaskAsync(id, cancellationToken).ConfigureAwait(false);
            if (task is null)
            {
                await console.ErrorWriter.WriteLineAsync($"keel: no task '{id}' in {store.Path}. List tasks with `keel tasks`.").ConfigureAwait(false);
                return 1;
            }

            var steps = await store.GetStepsAsync(task.Id, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(step) is { } seq)
            {
                if (await StepInspector.InspectAsync(store, task.Id, seq, cancellationToken).ConfigureAwait(false) is not { } inspection)
                {
                    await console.ErrorWriter.WriteLineAsync($"keel: task {task.Id} has no step {seq}; its steps are 1 to {steps.Count}.").ConfigureAwait(false);
                    return 1;
                }

                if (parse.GetValue(json))
                {
                    await CliJson.WriteAsync(console.Output, StepDocument.From(inspection), CliJson.Default.StepDocument).ConfigureAwait(false);
                }
                else
                {
                    StepView.Render(console.Out, inspection, steps, parse.GetValue(context));
                }

                return 0;
            }

            var summary = (await store.GetTaskSummaryAsync(task.Id, cancellationToken).ConfigureAwait(false))!;
            var spans = await store.GetSpansAsync(task.Id, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                var document = new TraceDocument(TaskRows.From(summary), task.Input, task.Output, steps.Select(TaskRows.From).ToList(), spans.Select(TaskRows.From).ToList());
                await CliJson.WriteAsync(console.Output, document, CliJson.Default.TraceDocument).ConfigureAwait(false);
                return 0;
            }

            console.Out.Write(TraceTree.Render(summary, steps, spans));
            if (task.Error is { } error)
            {
                console.Out.MarkupLine($"[red]Task failed:[/] {Markup.Escape(error)}");
                if (steps.LastOrDefault(s => s.Status == Journal.StepStatus.Failed) is { } failed)
                {
                    console.Out.MarkupLine($"[grey]Why: keel trace {task.Id} --step {failed.Seq} --context[/]");
                }
            }

            return 0;
        }));
        return command;
    }
}
