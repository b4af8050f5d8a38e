using System.CommandLine;
using System.Text.Json;
using Keel.Billing;
using Keel.Billing.Exports;

namespace Keel.Cli.Commands.Billing;

/// <summary>`keel billing margin [--period 2026-11]`: revenue against recorded cost.</summary>
internal static class BillingMarginCommand
{
    public static Command Create(CliConsole console)
    {
        var db = BillingCommand.Db();
        var json = CommonOptions.Json();
        var period = BillingCommand.Period();
        var customer = new Option<string?>("--customer") { Description = "Only this customer (name or id).", HelpName = "NAME" };
        var by = new Option<string>("--by") { Description = "Rows per customer, plan or agent.", DefaultValueFactory = _ => "customer", HelpName = "customer|plan|agent" };
        by.AcceptOnlyFromAmong("customer", "plan", "agent");
        var command = new Command("margin", """
            Revenue (draft and finalized invoices, less credit notes) against what Keel recorded as spent (model,
            tools, human oversight) for a month: margin, margin %, and margin per successful outcome.

            Examples:
              keel billing margin
              keel billing margin --period 2026-11 --by agent
            """)
        {
            period, customer, by, db, json,
        };
        command.SetAction(BillingCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            var month = BillingCommand.ParsePeriod(parse.GetValue(period));
            await using var store = await BillingCommand.OpenAsync(parse.GetValue(db)!, create: false, cancellationToken).ConfigureAwait(false);
            var customerId = parse.GetValue(customer) is { } c ? await BillingCommand.CustomerIdAsync(store, c, create: false, cancellationToken).ConfigureAwait(false) : null;
            var report = await new BillingService(store).MarginAsync(month, customerId, cancellationToken).ConfigureAwait(false);
            var names = await BillingCommand.NamesAsync(store, report.ByCustomer.Select(r => r.CustomerId), cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await console.Output.WriteLineAsync(JsonSerializer.Serialize(MarginDocument.Create(report, names), BillingJson.Default.MarginDocument)).ConfigureAwait(false);
                return 0;
            }

            var rows = parse.GetValue(by) switch
            {
                "plan" => report.ByPlan,
                "agent" => report.ByAgent,
                _ => report.ByCustomer,
            };
            console.Out.Write(BillingTables.Margins($"Margins {month}", rows, names));
            return 0;
        }));
        return command;
    }
}
