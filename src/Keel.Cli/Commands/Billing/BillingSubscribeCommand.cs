using System.CommandLine;
using System.Text.Json;
using Keel.Billing;
using Keel.Billing.Exports;

namespace Keel.Cli.Commands.Billing;

/// <summary>`keel billing subscribe CUSTOMER PLAN` and `keel billing cancel CUSTOMER`.</summary>
internal static class BillingSubscribeCommand
{
    public static Command Subscribe(CliConsole console)
    {
        var db = BillingCommand.Db();
        var json = CommonOptions.Json();
        var customer = new Argument<string>("CUSTOMER") { Description = "The customer (name or id; created if new)." };
        var plan = new Argument<string>("PLAN") { Description = "The plan id." };
        var version = new Option<int?>("--version") { Description = "The plan version (default: the latest).", HelpName = "N" };
        var from = new Option<DateTimeOffset?>("--from") { Description = "When the subscription starts (ISO 8601, e.g. 2026-11-01; default: now).", HelpName = "TIME" };
        var currency = new Option<string?>("--currency") { Description = "The customer's billing currency when it has none yet (default: the plan's).", HelpName = "CODE" };
        var command = new Command("subscribe", """
            Put a customer on a plan from a date. A customer already on a plan changes plan at that instant: each plan
            prices its own part of the period (flat fees, included units and the minimum prorated by time; usage
            priced by the plan in force when it happened).

            Examples:
              keel billing subscribe acme growth --from 2026-11-01
              keel billing subscribe acme growth --version 2 --from 2026-11-16
            """)
        {
            customer, plan, version, from, currency, db, json,
        };
        command.SetAction(BillingCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await BillingCommand.OpenAsync(parse.GetValue(db)!, create: false, cancellationToken).ConfigureAwait(false);
            var billing = new BillingService(store);
            var customerId = await BillingCommand.CustomerIdAsync(store, parse.GetValue(customer)!, create: true, cancellationToken).ConfigureAwait(false);
            var stored = await billing.GetPlanAsync(parse.GetValue(plan)!, parse.GetValue(version), cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"No plan '{parse.GetValue(plan)}'{(parse.GetValue(version) is { } v ? $" version {v}" : "")}: add it with `keel billing plans add --file FILE`.");
            if (await billing.GetAccountAsync(customerId, cancellationToken).ConfigureAwait(false) is null)
            {
                await billing.OpenAccountAsync(customerId, parse.GetValue(currency) ?? stored.Currency, cancellationToken).ConfigureAwait(false);
            }

            var subscription = await billing.SubscribeAsync(customerId, stored.PlanId, stored.Version, parse.GetValue(from) ?? DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false);
            var document = SubscriptionDocument.From(subscription, parse.GetValue(customer));
            if (parse.GetValue(json))
            {
                await console.Output.WriteLineAsync(JsonSerializer.Serialize(document, BillingJson.Default.SubscriptionDocument)).ConfigureAwait(false);
            }
            else
            {
                await console.Output.WriteLineAsync($"{document.Customer} is on {document.Plan} v{document.PlanVersion} from {document.StartsAt:O} ({document.Id}).").ConfigureAwait(false);
            }

            return 0;
        }));
        return command;
    }

    public static Command Cancel(CliConsole console)
    {
        var db = BillingCommand.Db();
        var customer = new Argument<string>("CUSTOMER") { Description = "The customer (name or id)." };
        var at = new Option<DateTimeOffset?>("--at") { Description = "When the subscription ends (ISO 8601; default: now). Usage after it is not billed.", HelpName = "TIME" };
        var command = new Command("cancel", "End a customer's running subscription; its flat fees and minimum are prorated to the end.\n\nExample:\n  keel billing cancel acme --at 2026-11-20")
        {
            customer, at, db,
        };
        command.SetAction(BillingCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await BillingCommand.OpenAsync(parse.GetValue(db)!, create: false, cancellationToken).ConfigureAwait(false);
            var customerId = await BillingCommand.CustomerIdAsync(store, parse.GetValue(customer)!, create: false, cancellationToken).ConfigureAwait(false);
            var ended = await new BillingService(store).CancelAsync(customerId, parse.GetValue(at) ?? DateTimeOffset.UtcNow, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"{parse.GetValue(customer)} has no subscription running then.");
            await console.Output.WriteLineAsync($"{parse.GetValue(customer)}: {ended.PlanId} v{ended.PlanVersion} ends at {ended.EndsAt:O}.").ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
