using System.CommandLine;
using Keel.Approvals;
using Keel.Storage.Sqlite;
using Spectre.Console;

namespace Keel.Cli.Commands;

/// <summary>`keel approvals`, `keel approve TASK_ID`, `keel reject TASK_ID`: the human side of durable approvals.</summary>
internal static class ApprovalCommands
{
    public static Command List(CliConsole console)
    {
        var db = CommonOptions.Db();
        var all = new Option<bool>("--all") { Description = "Show decided approvals too, not only those waiting." };
        var command = new Command("approvals", "List the approvals tasks are waiting for (newest first); decide them with `keel approve` or `keel reject`.") { all, db };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            var approvals = await store.ListApprovalsAsync(parse.GetValue(all) ? null : ApprovalStatus.Pending, cancellationToken: cancellationToken).ConfigureAwait(false);
            var table = new Table().AddColumns("task", "step", "status", "requested", "timeout", "request", "decided by");
            foreach (var a in approvals)
            {
                table.AddRow(a.TaskId, $"{a.Seq}", a.Status.ToString().ToLowerInvariant(), $"{a.RequestedAt:u}", a.TimeoutAt is { } t ? $"{t:u}" : "-",
                    Markup.Escape(a.Request), Markup.Escape(a.DecidedBy ?? "-"));
            }

            console.Out.Write(table);
            return 0;
        }));
        return command;
    }

    public static Command Approve(CliConsole console) => Decide(console, approved: true);

    public static Command Reject(CliConsole console) => Decide(console, approved: false);

    private static Command Decide(CliConsole console, bool approved)
    {
        var verb = approved ? "approve" : "reject";
        var db = CommonOptions.Db();
        var taskId = new Argument<string>("TASK_ID") { Description = "The waiting task, or a unique prefix of its id." };
        var by = new Option<string>("--by")
        {
            Description = "Who decides (recorded with the decision and priced as human time).",
            DefaultValueFactory = _ => Environment.UserName,
            HelpName = "NAME",
        };
        var note = new Option<string?>("--note") { Description = "Why: the task's code receives it with the decision.", HelpName = "TEXT" };
        var minutes = new Option<double?>("--minutes")
        {
            Description = $"Minutes spent reviewing (default: the time since the request, at most {ReviewTime.Cap.TotalMinutes:0}).",
            HelpName = "N",
        };
        minutes.Validators.Add(r =>
        {
            if (r.Tokens.Count > 0 && double.TryParse(r.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture, out var value) && value < 0)
            {
                r.AddError("--minutes cannot be negative.");
            }
        });

        var command = new Command(verb, $"{(approved ? "Approve" : "Reject")} the approval a task is waiting for; a worker then resumes the task with the decision.")
        {
            taskId, by, note, minutes, db,
        };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            var task = await store.FindTaskAsync(parse.GetValue(taskId)!, cancellationToken).ConfigureAwait(false);
            if (task is null)
            {
                await console.ErrorWriter.WriteLineAsync($"keel: no task '{parse.GetValue(taskId)}'.").ConfigureAwait(false);
                return 1;
            }

            var decision = new ApprovalDecision(approved, parse.GetValue(by)!, parse.GetValue(note), parse.GetValue(minutes) * 60);
            var decided = await store.DecideApprovalAsync(task.Id, decision, DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
            if (decided is null)
            {
                await console.ErrorWriter.WriteLineAsync($"keel: task {task.Id} has no approval waiting for a decision (the task is {task.Status.ToString().ToLowerInvariant()}; see `keel approvals --all`).").ConfigureAwait(false);
                return 1;
            }

            await console.ErrorWriter.WriteLineAsync($"keel: {(approved ? "approved" : "rejected")} \"{decided.Request}\" (task {task.Id}, step {decided.Seq}); a worker resumes it.").ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
