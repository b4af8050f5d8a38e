using System.CommandLine;
using Keel.Cli.Output;
using Keel.Storage.Sqlite;
using Spectre.Console;

namespace Keel.Cli.Commands;

/// <summary>`keel trace TASK_ID`: one task's steps and spans, with timings, tokens, cost, retries, fallbacks and errors.</summary>
internal static class TraceCommand
{
    public static Command Create(CliConsole console)
    {
        var db = CommonOptions.Db();
        var json = CommonOptions.Json();
        var taskId = new Argument<string>("TASK_ID") { Description = "The task's id, or a prefix of it that names only that task." };
        var command = new Command("trace", "Show a task's steps and spans as a tree: timings, tokens, cost, status, retries, fallbacks, and the error of a failed step.")
        {
            taskId, db, json,
        };
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

            var summary = (await store.GetTaskSummaryAsync(task.Id, cancellationToken).ConfigureAwait(false))!;
            var steps = await store.GetStepsAsync(task.Id, cancellationToken).ConfigureAwait(false);
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
            }

            return 0;
        }));
        return command;
    }
}
