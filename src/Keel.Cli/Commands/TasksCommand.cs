using System.CommandLine;
using Keel.Cli.Output;
using Keel.Storage.Sqlite;
using Keel.Tasks;
using Spectre.Console;

namespace Keel.Cli.Commands;

/// <summary>`keel tasks`: the newest tasks with their status, cost and duration.</summary>
internal static class TasksCommand
{
    public static Command Create(CliConsole console)
    {
        var db = CommonOptions.Db();
        var json = CommonOptions.Json();
        var status = new Option<AgentTaskStatus?>("--status") { Description = "Only tasks with this status (pending, running, waiting, succeeded, failed)." };
        var agent = new Option<string?>("--agent") { Description = "Only tasks of this agent." };
        var limit = new Option<int>("--limit") { Description = "How many tasks to list, newest first.", DefaultValueFactory = _ => 50 };
        CommonOptions.AtLeast(limit, 1);

        var command = new Command("tasks", "List tasks, newest first, with status, agent, steps, cost and duration.") { db, status, agent, limit, json };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            var tasks = await store.ListTasksAsync(new TaskQuery { Status = parse.GetValue(status), Agent = parse.GetValue(agent), Limit = parse.GetValue(limit) }, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await CliJson.WriteAsync(console.Output, tasks.Select(TaskRows.From).ToList(), CliJson.Default.ListTaskRow).ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumns("Task", "Agent", "Status", "Steps", "Retries", "Fallbacks", "Cost", "Duration", "Created (UTC)");
            foreach (var t in tasks)
            {
                table.AddRow(
                    t.Task.Id,
                    Markup.Escape(t.Task.Agent),
                    StatusMarkup(t.Task.Status),
                    t.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    t.Retries.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    t.Fallbacks.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Format.Usd(t.CostUsd),
                    Format.Duration(t.Duration?.TotalMilliseconds),
                    t.Task.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture));
            }

            console.Out.Write(table);
            console.Out.MarkupLine($"[grey]{tasks.Count} task(s). Details: keel trace TASK_ID (a unique prefix of the id is enough).[/]");
            return 0;
        }));
        return command;
    }

    public static string StatusMarkup(AgentTaskStatus status) => status switch
    {
        AgentTaskStatus.Succeeded => "[green]succeeded[/]",
        AgentTaskStatus.Failed => "[red]failed[/]",
        AgentTaskStatus.Waiting => "[yellow]waiting[/]",
        _ => status.ToString().ToLowerInvariant(),
    };
}
