using System.CommandLine;
using Keel.Oversight;
using Keel.Storage.Sqlite;

namespace Keel.Cli.Commands;

/// <summary>`keel outcome TASK_ID success|failure [--value X]`: how a task ended for the business.</summary>
internal static class OutcomeCommand
{
    public static Command Create(CliConsole console)
    {
        var db = CommonOptions.Db();
        var taskId = new Argument<string>("TASK_ID") { Description = "The task, or a unique prefix of its id." };
        var outcome = new Argument<TaskOutcome>("OUTCOME") { Description = "success or failure." };
        var value = new Option<decimal?>("--value") { Description = "What the outcome was worth (a refund recovered, tickets resolved), for per-value billing.", HelpName = "X" };
        var command = new Command("outcome", "Record how a task ended for the business; `keel costs` divides spending by successful outcomes.") { taskId, outcome, value, db };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            var task = await store.FindTaskAsync(parse.GetValue(taskId)!, cancellationToken).ConfigureAwait(false);
            if (task is null)
            {
                await console.ErrorWriter.WriteLineAsync($"keel: no task '{parse.GetValue(taskId)}'.").ConfigureAwait(false);
                return 1;
            }

            await store.SetOutcomeAsync(task.Id, parse.GetValue(outcome), parse.GetValue(value), cancellationToken).ConfigureAwait(false);
            await console.ErrorWriter.WriteLineAsync($"keel: {task.Id}: {parse.GetValue(outcome).ToString().ToLowerInvariant()}.").ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
