using System.CommandLine;
using Keel.Billing;
using Keel.Billing.Exports;
using Keel.Storage;

namespace Keel.Cli.Commands.Billing;

/// <summary>`keel billing invoice|invoices|finalize|void`: drafts, the invoice list and its exports, and closing a period.</summary>
internal static class BillingInvoiceCommands
{
    public static Command Invoice(CliConsole console)
    {
        var db = BillingCommand.Db();
        var json = CommonOptions.Json();
        var csv = Csv();
        var customer = new Argument<string>("CUSTOMER") { Description = "The customer (name or id)." };
        var period = BillingCommand.Period();
        var command = new Command("invoice", """
            Compute (or recompute) a customer's draft invoice of a month from the ledger as it is now, after deriving
            events from new tasks and outcomes, and print it: each line with its quantity, unit price, tiers applied
            and amount, rounded once to the currency's minor unit. A finalized invoice is printed as it is.

            Examples:
              keel billing invoice acme
              keel billing invoice acme --period 2026-11 --json
            """)
        {
            customer, period, db, json, csv,
        };
        command.SetAction(BillingCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            var month = BillingCommand.ParsePeriod(parse.GetValue(period));
            await using var store = await BillingCommand.OpenAsync(parse.GetValue(db)!, create: false, cancellationToken).ConfigureAwait(false);
            var name = parse.GetValue(customer)!;
            var customerId = await BillingCommand.CustomerIdAsync(store, name, create: false, cancellationToken).ConfigureAwait(false);
            var billing = new BillingService(store);
            await billing.SyncFromTasksAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            Invoice invoice;
            try
            {
                invoice = await billing.ComputeDraftAsync(customerId, month, cancellationToken).ConfigureAwait(false);
            }
            catch (InvoiceImmutableException)
            {
                invoice = (await store.FindInvoiceAsync(customerId, month.Start, month.End, cancellationToken).ConfigureAwait(false))!;
            }

            var names = await BillingCommand.NamesAsync(store, [customerId], cancellationToken).ConfigureAwait(false);
            await WriteAsync(console, [InvoiceDocument.From(invoice, names[customerId])], parse.GetValue(json), parse.GetValue(csv), single: true).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    public static Command Invoices(CliConsole console)
    {
        var db = BillingCommand.Db();
        var json = new Option<bool>("--json")
        {
            Description = "Print a JSON array of invoices: customer, status, currency, total and lines (description, quantity, amount, tiers ...).",
        };
        var csv = Csv();
        var customer = new Option<string?>("--customer") { Description = "Only this customer's invoices (name or id).", HelpName = "NAME" };
        var status = new Option<string?>("--status") { Description = "Only draft, finalized or void invoices.", HelpName = "STATUS" };
        status.AcceptOnlyFromAmong("draft", "finalized", "void");
        var command = new Command("invoices", """
            List every invoice (drafts, finalized and void), by period then number. Drafts are as last computed
            (`keel billing invoice CUSTOMER` recomputes one).

            Examples:
              keel billing invoices
              keel billing invoices --json
              keel billing invoices --customer acme --csv > acme.csv
            """)
        {
            customer, status, db, json, csv,
        };
        command.SetAction(BillingCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await BillingCommand.OpenAsync(parse.GetValue(db)!, create: false, cancellationToken).ConfigureAwait(false);
            var customerId = parse.GetValue(customer) is { } c ? await BillingCommand.CustomerIdAsync(store, c, create: false, cancellationToken).ConfigureAwait(false) : null;
            var invoices = await new BillingService(store).ListInvoicesAsync(customerId, cancellationToken).ConfigureAwait(false);
            var wanted = parse.GetValue(status);
            var names = await BillingCommand.NamesAsync(store, invoices.Select(i => i.CustomerId), cancellationToken).ConfigureAwait(false);
            var documents = invoices.Select(i => InvoiceDocument.From(i, names[i.CustomerId])).Where(d => wanted is null || d.Status == wanted).ToList();
            await WriteAsync(console, documents, parse.GetValue(json), parse.GetValue(csv), single: false).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    public static Command Finalize(CliConsole console)
    {
        var db = BillingCommand.Db();
        var json = CommonOptions.Json();
        var target = new Argument<string>("INVOICE_OR_CUSTOMER") { Description = "A draft invoice (id), or a customer (name or id) with --period." };
        var period = BillingCommand.Period();
        var force = new Option<bool>("--force") { Description = "Finalize within the grace period after the month's end (late events then land on the next invoice)." };
        var command = new Command("finalize", """
            Recompute a draft one last time and finalize it: it gets the next invoice number (no gaps), never changes
            again (credit notes correct it) and its events are marked billed. Refused until the grace period after the
            month's end has passed, unless --force.

            Examples:
              keel billing finalize acme --period 2026-10
              keel billing finalize inv_0195... --force
            """)
        {
            target, period, force, db, json,
        };
        command.SetAction(BillingCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await BillingCommand.OpenAsync(parse.GetValue(db)!, create: false, cancellationToken).ConfigureAwait(false);
            var billing = new BillingService(store);
            var name = parse.GetValue(target)!;
            var invoice = await billing.FindInvoiceAsync(name, cancellationToken).ConfigureAwait(false) is { } found
                ? await billing.FinalizeInvoiceAsync(found.Id, parse.GetValue(force), cancellationToken).ConfigureAwait(false)
                : await billing.FinalizeAsync(await BillingCommand.CustomerIdAsync(store, name, create: false, cancellationToken).ConfigureAwait(false),
                    BillingCommand.ParsePeriod(parse.GetValue(period)), parse.GetValue(force), cancellationToken).ConfigureAwait(false);
            await WriteOneAsync(console, store, invoice, parse.GetValue(json), $"{invoice.DisplayNumber} finalized", cancellationToken).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    public static Command Void(CliConsole console)
    {
        var db = BillingCommand.Db();
        var json = CommonOptions.Json();
        var target = new Argument<string>("INVOICE") { Description = "The invoice (id, or number like INV-000042)." };
        var command = new Command("void", "Void an invoice: it keeps its number; the events a finalized one billed are billed again by the period's next draft.")
        {
            target, db, json,
        };
        command.SetAction(BillingCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await BillingCommand.OpenAsync(parse.GetValue(db)!, create: false, cancellationToken).ConfigureAwait(false);
            var billing = new BillingService(store);
            var found = await billing.FindInvoiceAsync(parse.GetValue(target)!, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"No invoice '{parse.GetValue(target)}'.");
            var invoice = await billing.VoidAsync(found.Id, cancellationToken).ConfigureAwait(false);
            await WriteOneAsync(console, store, invoice, parse.GetValue(json), $"{invoice.DisplayNumber ?? invoice.Id} voided", cancellationToken).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static Option<bool> Csv() => new("--csv") { Description = "Print CSV (RFC 4180, one row per invoice line) instead of tables." };

    private static async Task WriteOneAsync(CliConsole console, IKeelStore store, Invoice invoice, bool json, string done, CancellationToken cancellationToken)
    {
        var names = await BillingCommand.NamesAsync(store, [invoice.CustomerId], cancellationToken).ConfigureAwait(false);
        var document = InvoiceDocument.From(invoice, names[invoice.CustomerId]);
        if (json)
        {
            await console.Output.WriteLineAsync(InvoiceExport.ToJson(document)).ConfigureAwait(false);
            return;
        }

        await console.Output.WriteLineAsync($"{done}: {document.Customer}, {BillingCommand.Money(document.Total, document.Currency)}.").ConfigureAwait(false);
    }

    private static async Task WriteAsync(CliConsole console, IReadOnlyList<InvoiceDocument> invoices, bool json, bool csv, bool single)
    {
        if (json && csv)
        {
            throw new ArgumentException("Pick one of --json and --csv.");
        }

        if (csv)
        {
            InvoiceExport.WriteCsv(console.Output, invoices);
            await console.Output.FlushAsync().ConfigureAwait(false);
        }
        else if (json)
        {
            await console.Output.WriteLineAsync(single ? InvoiceExport.ToJson(invoices[0]) : InvoiceExport.ToJson(invoices)).ConfigureAwait(false);
        }
        else if (single)
        {
            console.Out.Write(BillingTables.Invoice(invoices[0]));
        }
        else
        {
            console.Out.Write(BillingTables.Invoices(invoices));
        }
    }
}
