using System.CommandLine;
using Keel.Oversight;
using Keel.Storage.Sqlite;

namespace Keel.Cli.Commands;

/// <summary>`keel oversight record|rate`: human time on tasks, priced into their cost.</summary>
internal static class OversightCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("oversight", "Record the human time spent overseeing tasks (approvals, interventions, reviews) and the hourly rate it is priced at.");
        command.Subcommands.Add(Record(console));
        command.Subcommands.Add(Rate(console));
        return command;
    }

    private static Command Record(CliConsole console)
    {
        var db = CommonOptions.Db();
        var task = new Option<string>("--task") { Description = "The task (or a unique prefix of its id).", Required = true, HelpName = "ID" };
        var who = new Option<string>("--who") { Description = "The person.", Required = true, HelpName = "NAME" };
        var kind = new Option<InterventionKind>("--kind") { Description = "approval, intervention or review.", DefaultValueFactory = _ => InterventionKind.Intervention };
        var seconds = new Option<double?>("--seconds") { Description = "How long it took (or give --start and --end).", HelpName = "N" };
        var start = new Option<DateTimeOffset?>("--start") { Description = "When the person started (ISO 8601).", HelpName = "TIME" };
        var end = new Option<DateTimeOffset?>("--end") { Description = "When they finished (ISO 8601; default now).", HelpName = "TIME" };
        var decision = new Option<string?>("--decision") { Description = "approved, rejected, edited...", HelpName = "TEXT" };
        var step = new Option<int?>("--step") { Description = "The journal step they acted on.", HelpName = "N" };
        var note = new Option<string?>("--note") { Description = "Free text.", HelpName = "TEXT" };
        var command = new Command("record", "Record human time on a task; it is priced at the customer's hourly rate and added to the task's cost.")
        {
            task, who, kind, seconds, start, end, decision, step, note, db,
        };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, new SqliteStoreOptions { CreateIfMissing = false }, cancellationToken).ConfigureAwait(false);
            var found = await store.FindTaskAsync(parse.GetValue(task)!, cancellationToken).ConfigureAwait(false)
                ?? throw new FormatException($"No task '{parse.GetValue(task)}'.");
            var ended = parse.GetValue(end) ?? DateTimeOffset.UtcNow;
            var started = parse.GetValue(start) ?? (parse.GetValue(seconds) is { } s ? ended.AddSeconds(-s) : throw new FormatException("Give --seconds, or --start (and --end)."));
            if (started > ended)
            {
                throw new FormatException("--start is after --end.");
            }

            var intervention = await InterventionJournal.RecordAsync(store, found, parse.GetValue(who)!, parse.GetValue(kind), parse.GetValue(decision), started, ended, parse.GetValue(step), parse.GetValue(note), cancellationToken).ConfigureAwait(false);
            await console.ErrorWriter.WriteLineAsync($"keel: {intervention.Seconds:0} s of human time on {found.Id} recorded.").ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static Command Rate(CliConsole console)
    {
        var db = CommonOptions.Db();
        var customer = new Option<string>("--customer") { Description = "The customer (name or id).", Required = true, HelpName = "NAME" };
        var usd = new Option<decimal>("--usd-per-hour") { Description = $"The loaded cost of an hour of a person's time (default {HumanRates.DefaultUsdPerHour}).", Required = true, HelpName = "USD" };
        var command = new Command("rate", "Set the hourly rate a customer's human oversight is priced at.") { customer, usd, db };
        command.SetAction(KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await SqliteKeelStore.OpenAsync(parse.GetValue(db)!, cancellationToken: cancellationToken).ConfigureAwait(false);
            var owner = await store.EnsureCustomerAsync(parse.GetValue(customer)!, cancellationToken).ConfigureAwait(false);
            await store.SetHumanRateAsync(owner.Id, parse.GetValue(usd), cancellationToken).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
