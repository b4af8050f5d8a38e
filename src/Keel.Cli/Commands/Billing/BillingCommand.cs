using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Keel.Billing;
using Keel.Billing.Currencies;
using Keel.Storage;
using Keel.Storage.Sqlite;

namespace Keel.Cli.Commands.Billing;

/// <summary>`keel billing ...`: plans, subscriptions, events, invoices, credit notes and margins, straight on the database.</summary>
internal static class BillingCommand
{
    public static Command Create(CliConsole console)
    {
        var command = new Command("billing", """
            Bill customers per task and per outcome: plans (versioned price lists), subscriptions, the events ledger
            (derived from tasks and outcomes, or added by hand), draft and finalized invoices, credit notes and margins.
            The same billing `keel serve` serves at /v1/billing. See docs/billing.md.

            Examples:
              keel billing plans add --file plan.json
              keel billing subscribe acme growth --from 2026-11-01
              keel billing invoice acme --period 2026-11
              keel billing finalize acme --period 2026-11
              keel billing invoices --json
            """);
        command.Subcommands.Add(BillingPlansCommand.Create(console));
        command.Subcommands.Add(BillingSubscribeCommand.Subscribe(console));
        command.Subcommands.Add(BillingSubscribeCommand.Cancel(console));
        command.Subcommands.Add(BillingEventsCommand.Create(console));
        command.Subcommands.Add(BillingInvoiceCommands.Invoice(console));
        command.Subcommands.Add(BillingInvoiceCommands.Invoices(console));
        command.Subcommands.Add(BillingInvoiceCommands.Finalize(console));
        command.Subcommands.Add(BillingInvoiceCommands.Void(console));
        command.Subcommands.Add(BillingCreditCommand.Create(console));
        command.Subcommands.Add(BillingMarginCommand.Create(console));
        return command;
    }

    /// <summary>
    /// <see cref="KeelCommand.Guarded"/>, plus billing's refusals (a finalized invoice, a plan in another currency, a
    /// malformed plan file): one line on standard error and exit 1.
    /// </summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Guarded(CliConsole console, Func<ParseResult, CancellationToken, Task<int>> action) =>
        KeelCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            try
            {
                return await action(parse, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or JsonException)
            {
                await console.ErrorWriter.WriteLineAsync($"keel: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });

    public static async Task<SqliteKeelStore> OpenAsync(string db, bool create, CancellationToken cancellationToken) =>
        await SqliteKeelStore.OpenAsync(db, new SqliteStoreOptions { CreateIfMissing = create }, cancellationToken).ConfigureAwait(false);

    /// <summary>A customer's id by name or id.</summary>
    /// <exception cref="StoreException">No such customer, and <paramref name="create"/> is false.</exception>
    public static async Task<string> CustomerIdAsync(IKeelStore store, string customer, bool create, CancellationToken cancellationToken)
    {
        if (await store.FindCustomerAsync(customer, cancellationToken).ConfigureAwait(false) is { } found)
        {
            return found.Id;
        }

        return create
            ? (await store.EnsureCustomerAsync(customer, cancellationToken).ConfigureAwait(false)).Id
            : throw new StoreException($"No customer '{customer}' in this database.");
    }

    /// <summary>Customer names by id, for the customers <paramref name="ids"/> names (the id stands in for a missing name).</summary>
    public static async Task<Dictionary<string, string>> NamesAsync(IKeelStore store, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            names[id] = (await store.FindCustomerAsync(id, cancellationToken).ConfigureAwait(false))?.Name ?? id;
        }

        return names;
    }

    public static Option<string> Db() => CommonOptions.Db();

    public static Option<string?> Period() => new("--period")
    {
        Description = "The billing month, like 2026-11 (default: the current month, UTC).",
        HelpName = "YYYY-MM",
    };

    /// <summary>The month <c>--period</c> names, or the current one.</summary>
    /// <exception cref="FormatException">Not a month like 2026-11.</exception>
    public static BillingPeriod ParsePeriod(string? period, TimeProvider? time = null)
    {
        if (string.IsNullOrWhiteSpace(period))
        {
            return BillingPeriod.MonthOf((time ?? TimeProvider.System).GetUtcNow());
        }

        return BillingPeriod.TryParseMonth(period, out var month)
            ? month
            : throw new FormatException($"--period must be a month like 2026-11, not '{period}'.");
    }

    /// <summary>An amount with exactly the currency's minor units and its code: <c>12.50 USD</c>, <c>1250 JPY</c>.</summary>
    public static string Money(decimal amount, string currency)
    {
        var c = Currency.Get(currency);
        return c.Round(amount).ToString(CultureInfo.InvariantCulture) + " " + c.Code;
    }

    public static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
