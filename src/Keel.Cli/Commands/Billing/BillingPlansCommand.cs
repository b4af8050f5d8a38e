using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Keel.Billing;
using Keel.Billing.Exports;
using Keel.Billing.Plans;
using Spectre.Console;

namespace Keel.Cli.Commands.Billing;

/// <summary>`keel billing plans [add --file plan.json]`: the price lists.</summary>
internal static class BillingPlansCommand
{
    public static Command Create(CliConsole console)
    {
        var db = BillingCommand.Db();
        var json = CommonOptions.Json();
        var command = new Command("plans", """
            List every version of every plan, or add one (`plans add`). A price change is a new version of a plan; a
            version, once stored, never changes.

            Examples:
              keel billing plans
              keel billing plans add --file growth.json
            """)
        {
            db, json,
        };
        command.Subcommands.Add(Add(console));
        command.SetAction(BillingCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await BillingCommand.OpenAsync(parse.GetValue(db)!, create: false, cancellationToken).ConfigureAwait(false);
            var plans = await new BillingService(store).ListPlansAsync(cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await console.Output.WriteLineAsync(JsonSerializer.Serialize<IReadOnlyList<PlanDocument>>([.. plans.Select(p => PlanDocument.From(p.Stored))],
                    BillingJson.Default.IReadOnlyListPlanDocument)).ConfigureAwait(false);
                return 0;
            }

            var table = new Table().AddColumns("Plan", "Version", "Name", "Currency", "Components", "Minimum", "Maximum");
            foreach (var (stored, plan) in plans)
            {
                table.AddRow(Markup.Escape(stored.PlanId), stored.Version.ToString(CultureInfo.InvariantCulture), Markup.Escape(stored.Name), stored.Currency,
                    Markup.Escape(string.Join(", ", plan.Components.Select(c => $"{c.Id} ({(c.Metric.Length > 0 ? c.Metric : "flat")})"))),
                    plan.MinimumCommitment is { } min ? BillingCommand.Money(min, plan.Currency) : "-",
                    plan.MaximumCharge is { } max ? BillingCommand.Money(max, plan.Currency) : "-");
            }

            console.Out.Write(table);
            return 0;
        }));
        return command;
    }

    private static Command Add(CliConsole console)
    {
        var db = BillingCommand.Db();
        var json = CommonOptions.Json();
        var file = new Option<FileInfo>("--file") { Description = "The plan, as JSON (the format docs/billing.md describes).", Required = true, HelpName = "FILE" };
        var command = new Command("add", """
            Add a plan version from a JSON file. Adding the same version again with the same definition does nothing;
            with a different definition it is refused (bump "version").

            Example plan.json:
              {"id":"growth","version":1,"name":"Growth","currency":"USD","minimum_commitment":200,"components":[
                {"id":"outcomes","description":"Resolved tickets","metric":"outcome.success",
                 "model":{"type":"graduated","tiers":[{"up_to":1000,"unit_price":0.9},{"up_to":null,"unit_price":0.6}]}}]}
            """)
        {
            file, db, json,
        };
        command.SetAction(BillingCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            var plan = PlanJson.Deserialize(await File.ReadAllTextAsync(parse.GetValue(file)!.FullName, cancellationToken).ConfigureAwait(false));
            await using var store = await BillingCommand.OpenAsync(parse.GetValue(db)!, create: true, cancellationToken).ConfigureAwait(false);
            var stored = await new BillingService(store).AddPlanAsync(plan, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await console.Output.WriteLineAsync(JsonSerializer.Serialize(PlanDocument.From(stored), BillingJson.Default.PlanDocument)).ConfigureAwait(false);
            }
            else
            {
                await console.Output.WriteLineAsync($"plan {stored.PlanId} version {stored.Version.ToString(CultureInfo.InvariantCulture)} ({stored.Name}, {stored.Currency}) stored.").ConfigureAwait(false);
            }

            return 0;
        }));
        return command;
    }
}
