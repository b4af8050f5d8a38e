using System.Globalization;
using Keel.Billing;
using Keel.Billing.Exports;
using Keel.Billing.Margins;
using Spectre.Console;

namespace Keel.Cli.Commands.Billing;

/// <summary>How billing prints for people: an invoice with its lines and tiers, a margin table.</summary>
internal static class BillingTables
{
    public static Table Invoice(InvoiceDocument invoice)
    {
        var title = $"{(invoice.Number ?? "Draft invoice")} · {invoice.Customer} · {invoice.PeriodStart:yyyy-MM-dd} to {invoice.PeriodEnd:yyyy-MM-dd} · {invoice.Status}";
        var table = new Table().Title(Markup.Escape(title)).AddColumns("#", "Description", "Quantity", "Unit price", "Tiers applied", "Amount");
        table.Columns[2].RightAligned();
        table.Columns[3].RightAligned();
        table.Columns[5].RightAligned();
        foreach (var line in invoice.Lines)
        {
            table.AddRow(
                line.Seq.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(line.Description),
                BillingCommand.Number(line.Quantity),
                line.UnitPrice is { } unit ? BillingCommand.Number(unit) : "-",
                Markup.Escape(TierText.Describe(line.Tiers)),
                BillingCommand.Money(line.Amount, invoice.Currency));
        }

        table.AddRow("", "[bold]Total[/]", "", "", "", $"[bold]{BillingCommand.Money(invoice.Total, invoice.Currency)}[/]");
        table.Caption(Markup.Escape($"{invoice.Id} · plans {string.Join(", ", invoice.PlanVersions)}"));
        return table;
    }

    public static Table Invoices(IReadOnlyList<InvoiceDocument> invoices)
    {
        var table = new Table().AddColumns("Invoice", "Number", "Customer", "Period", "Status", "Lines", "Total");
        table.Columns[6].RightAligned();
        foreach (var i in invoices)
        {
            table.AddRow(Markup.Escape(i.Id), i.Number ?? "-", Markup.Escape(i.Customer), $"{i.PeriodStart:yyyy-MM-dd} to {i.PeriodEnd:yyyy-MM-dd}", i.Status,
                i.Lines.Count.ToString(CultureInfo.InvariantCulture), BillingCommand.Money(i.Total, i.Currency));
        }

        return table;
    }

    /// <param name="names">Customer names by id.</param>
    public static Table Margins(string title, IEnumerable<MarginRow> rows, IReadOnlyDictionary<string, string> names)
    {
        var table = new Table().Title(Markup.Escape(title))
            .AddColumns("Customer", "Plan", "Agent", "Revenue", "Model", "Tools", "Human", "Margin", "Margin %", "Outcomes", "Margin / outcome");
        for (var i = 3; i < 11; i++)
        {
            table.Columns[i].RightAligned();
        }

        foreach (var row in rows)
        {
            var r = MarginRowDocument.From(row, names.TryGetValue(row.CustomerId, out var name) ? name : null);
            table.AddRow(Markup.Escape(r.Customer), Markup.Escape(r.Plan ?? "-"), Markup.Escape(r.Agent ?? "-"),
                BillingCommand.Money(r.Revenue, r.Currency), BillingCommand.Money(r.ModelCost, r.Currency), BillingCommand.Money(r.ToolCost, r.Currency),
                BillingCommand.Money(r.HumanCost, r.Currency), BillingCommand.Money(r.Margin, r.Currency),
                r.MarginPercent is { } p ? p.ToString("0.0", CultureInfo.InvariantCulture) + " %" : "-",
                r.SuccessfulOutcomes.ToString(CultureInfo.InvariantCulture),
                r.MarginPerSuccessfulOutcome is { } m ? BillingCommand.Money(m, r.Currency) : "-");
        }

        return table;
    }

    /// <summary>What `keel demo` prints after its summary: each billed customer's draft invoice, then their margins.</summary>
    public static void WriteDemo(CliConsole console, Samples.Demo.BillingDemoReport report, string db)
    {
        var names = report.Invoices.ToDictionary(i => i.Invoice.CustomerId, i => i.Name, StringComparer.Ordinal);
        foreach (var billed in report.Invoices)
        {
            console.Out.Write(Invoice(InvoiceDocument.From(billed.Invoice, billed.Name)));
        }

        console.Out.Write(Margins($"Margins {report.Period}", report.Margins, names));
        console.Out.MarkupLine($"[grey]Billing: keel billing invoices --db {Markup.Escape(db)}   ·   keel billing margin --db {Markup.Escape(db)}[/]");
    }
}
