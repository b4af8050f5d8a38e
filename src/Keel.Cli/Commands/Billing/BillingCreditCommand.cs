using System.CommandLine;
using System.Text.Json;
using Keel.Billing;
using Keel.Billing.Exports;

namespace Keel.Cli.Commands.Billing;

/// <summary>`keel billing credit INVOICE --amount X --reason TEXT`: a refund by hand.</summary>
internal static class BillingCreditCommand
{
    public static Command Create(CliConsole console)
    {
        var db = BillingCommand.Db();
        var json = CommonOptions.Json();
        var invoice = new Argument<string>("INVOICE") { Description = "The finalized invoice (id, or number like INV-000042)." };
        var amount = new Option<decimal>("--amount") { Description = "How much to give back, in the invoice's currency (rounded to its minor unit).", Required = true, HelpName = "X" };
        var reason = new Option<string>("--reason") { Description = "Why: printed on the credit note.", Required = true, HelpName = "TEXT" };
        var command = new Command("credit", """
            Issue a credit note against a finalized invoice: the only way to change what it charged. Never more than
            the invoice still has uncredited. (Outcomes later reversed to failure are credited automatically.)

            Example:
              keel billing credit INV-000042 --amount 12.50 --reason "ticket 4711 reopened"
            """)
        {
            invoice, amount, reason, db, json,
        };
        command.SetAction(BillingCommand.Guarded(console, async (parse, cancellationToken) =>
        {
            await using var store = await BillingCommand.OpenAsync(parse.GetValue(db)!, create: false, cancellationToken).ConfigureAwait(false);
            var billing = new BillingService(store);
            var found = await billing.FindInvoiceAsync(parse.GetValue(invoice)!, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"No invoice '{parse.GetValue(invoice)}'.");
            var note = await billing.CreditAsync(found.Id, parse.GetValue(amount), parse.GetValue(reason)!, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await console.Output.WriteLineAsync(JsonSerializer.Serialize(CreditNoteDocument.From(note), BillingJson.Default.CreditNoteDocument)).ConfigureAwait(false);
            }
            else
            {
                await console.Output.WriteLineAsync($"{note.DisplayNumber}: {BillingCommand.Money(note.Total, note.Currency)} credited against {found.DisplayNumber}.").ConfigureAwait(false);
            }

            return 0;
        }));
        return command;
    }
}
