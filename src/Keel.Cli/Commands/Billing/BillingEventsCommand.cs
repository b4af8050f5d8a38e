using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Keel.Billing;
using Keel.Billing.Exports;
using Keel.Tasks;
using Spectre.Console;

namespace Keel.Cli.Commands.Billing;

/// <summary>`keel billing events add|list|sync`: the billing ledger.</summary>
internal static class BillingEventsCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("events", """
            The billing ledger: every billable event, each counted once per idempotency key. Keel derives events from
            its own tasks and outcomes (`events sync`); others come from outside (`events add`, POST /v1/billing/events).
            """);
        command.Subcommands.Add(Add(console));
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Sync(console));
        return command;
    }

    private static Command Add(CliConsole console)
    {
        var db = BillingCommand.Db();
        var json = CommonOptions.Json();
        var customer = new Option<string>("--customer") { Description = "The customer (name or id).", Required = true, HelpName = "NAME" };
        var metric = new Option<string>("--metric") { Description = "task.started, task.completed, outcome.success, outcome.value, model.cost, or a custom metric.", Required = true, HelpName = "METRIC" };
        var quantity = new Option<decimal>("--quantity") { Description = "How many units.", DefaultValueFactory = _ => 1m, HelpName = "N" };
        var value = new Option<decimal?>("--value") { Description = "The value it carries (outcome.value, model.cost, percentage-of-value plans).", HelpName = "X" };
        var at = new Option<DateTimeOffset?>("--at") { Description = "When it happened (ISO 8601; default: now): picks the billing period.", HelpName = "TIME" };
        var key = new Option<string?>("--key") { Description = "Idempotency key: the same key again is counted once (default: a new one).", HelpName = "KEY" };
        var command = new Command("add", """
            Record a billable event by hand.

            Examples:
              keel billing events add --customer acme --metric tickets.resolved --quantity 3 --key crm-4711
              keel billing events add --customer acme --metric outcome.value --value 120.50 --at 2026-11-03T10:00:00Z
            """)
        {
            customer, metric, quantity, value, at, key, db, json,
        };
        command.SetAction(BillingCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await BillingCommand.OpenAsync(parse.GetValue(db)!, create: false, cancellationToken).ConfigureAwait(false);
            var customerId = await BillingCommand.CustomerIdAsync(store, parse.GetValue(customer)!, create: false, cancellationToken).ConfigureAwait(false);
            var write = await new BillingService(store).RecordEventAsync(new BillableEvent
            {
                Id = "",
                CustomerId = customerId,
                IdempotencyKey = parse.GetValue(key) ?? KeelIds.New("cli"),
                Metric = parse.GetValue(metric)!,
                Quantity = parse.GetValue(quantity),
                Value = parse.GetValue(value),
                Timestamp = parse.GetValue(at) ?? DateTimeOffset.UtcNow,
            }, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await console.Output.WriteLineAsync(JsonSerializer.Serialize(BillableEventDocument.From(write.Event), BillingJson.Default.BillableEventDocument)).ConfigureAwait(false);
            }
            else
            {
                await console.Output.WriteLineAsync(write.Created
                    ? $"event {write.Event.Id} recorded."
                    : $"event {write.Event.Id} was already recorded under key {write.Event.IdempotencyKey}: counted once.").ConfigureAwait(false);
            }

            return 0;
        }));
        return command;
    }

    private static Command List(CliConsole console)
    {
        var db = BillingCommand.Db();
        var json = CommonOptions.Json();
        var customer = new Option<string>("--customer") { Description = "The customer (name or id).", Required = true, HelpName = "NAME" };
        var period = BillingCommand.Period();
        var command = new Command("list", "List a customer's ledger entries of a month (usage, corrections and voids).\n\nExample:\n  keel billing events list --customer acme --period 2026-11")
        {
            customer, period, db, json,
        };
        command.SetAction(BillingCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            var month = BillingCommand.ParsePeriod(parse.GetValue(period));
            await using var store = await BillingCommand.OpenAsync(parse.GetValue(db)!, create: false, cancellationToken).ConfigureAwait(false);
            var customerId = await BillingCommand.CustomerIdAsync(store, parse.GetValue(customer)!, create: false, cancellationToken).ConfigureAwait(false);
            var events = await new BillingService(store).ListEventsAsync(customerId, month.Start, month.End, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await console.Output.WriteLineAsync(JsonSerializer.Serialize<IReadOnlyList<BillableEventDocument>>([.. events.Select(BillableEventDocument.From)],
                    BillingJson.Default.IReadOnlyListBillableEventDocument)).ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumns("Event", "Time", "Kind", "Metric", "Quantity", "Value", "Task", "Invoice");
            foreach (var e in events)
            {
                table.AddRow(Markup.Escape(e.Id), e.Timestamp.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), BillableEventDocument.KindName(e.Kind),
                    Markup.Escape(e.Metric), BillingCommand.Number(e.Quantity), e.Value is { } v ? BillingCommand.Number(v) : "-", Markup.Escape(e.TaskId ?? "-"), Markup.Escape(e.InvoiceId ?? "-"));
            }

            console.Out.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Sync(CliConsole console)
    {
        var db = BillingCommand.Db();
        var command = new Command("sync", "Derive billable events from the tasks and outcomes recorded since the last sync (`keel billing invoice` does it first too).")
        {
            db,
        };
        command.SetAction(BillingCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await BillingCommand.OpenAsync(parse.GetValue(db)!, create: false, cancellationToken).ConfigureAwait(false);
            var result = await new BillingService(store).SyncFromTasksAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await console.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{result.Tasks} task changes read, {result.EventsAdded} events added, {result.CreditNotes.Count} credit notes issued.")).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
