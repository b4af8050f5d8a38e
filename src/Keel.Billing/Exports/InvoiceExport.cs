using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;

namespace Keel.Billing.Exports;

/// <summary>
/// Invoices out of Keel: JSON (an array of <see cref="InvoiceDocument"/>, snake_case) for programs, and CSV (RFC 4180,
/// one row per line, written by CsvHelper so commas, quotes and newlines in descriptions are escaped) for spreadsheets
/// and accounting imports.
/// </summary>
public static class InvoiceExport
{
    /// <summary>The CSV columns, in order: the invoice's fields repeat on each of its lines, so each row stands alone.</summary>
    public static IReadOnlyList<string> CsvColumns { get; } =
    [
        "invoice_id", "invoice_number", "customer", "customer_id", "status", "currency", "period_start", "period_end",
        "line", "component", "description", "metric", "quantity", "unit_price", "tiers", "unrounded_amount", "amount",
        "plan", "plan_version", "note", "invoice_total",
    ];

    public static string ToJson(IEnumerable<InvoiceDocument> invoices)
    {
        ArgumentNullException.ThrowIfNull(invoices);
        return JsonSerializer.Serialize<IReadOnlyList<InvoiceDocument>>([.. invoices], BillingJson.Default.IReadOnlyListInvoiceDocument);
    }

    public static string ToJson(InvoiceDocument invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        return JsonSerializer.Serialize(invoice, BillingJson.Default.InvoiceDocument);
    }

    public static string ToCsv(IEnumerable<InvoiceDocument> invoices)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        WriteCsv(text, invoices);
        return text.ToString();
    }

    /// <summary>Writes a header and one row per invoice line (an invoice without lines gets one row with empty line fields).</summary>
    public static void WriteCsv(TextWriter writer, IEnumerable<InvoiceDocument> invoices)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(invoices);
        using var csv = CsvWriter.Create(writer, CsvWriterOptions.Default, leaveOpen: true);
        foreach (var column in CsvColumns)
        {
            csv.WriteField(column);
        }

        csv.EndRecord();
        foreach (var invoice in invoices)
        {
            IEnumerable<InvoiceLineDocument?> lines = invoice.Lines.Count == 0 ? new InvoiceLineDocument?[] { null } : (IEnumerable<InvoiceLineDocument?>)invoice.Lines;
            foreach (var line in lines)
            {
                csv.WriteField(invoice.Id);
                csv.WriteField(invoice.Number ?? "");
                csv.WriteField(invoice.Customer);
                csv.WriteField(invoice.CustomerId);
                csv.WriteField(invoice.Status);
                csv.WriteField(invoice.Currency);
                csv.WriteField(Time(invoice.PeriodStart));
                csv.WriteField(Time(invoice.PeriodEnd));
                csv.WriteField(line is null ? "" : Number(line.Seq));
                csv.WriteField(line?.Component ?? "");
                csv.WriteField(line?.Description ?? "");
                csv.WriteField(line?.Metric ?? "");
                csv.WriteField(line is null ? "" : Number(line.Quantity));
                csv.WriteField(line?.UnitPrice is { } unit ? Number(unit) : "");
                csv.WriteField(line is null ? "" : TierText.Describe(line.Tiers));
                csv.WriteField(line is null ? "" : Number(line.UnroundedAmount));
                csv.WriteField(line is null ? "" : Number(line.Amount));
                csv.WriteField(line?.Plan ?? "");
                csv.WriteField(line is null ? "" : Number(line.PlanVersion));
                csv.WriteField(line?.Note ?? "");
                csv.WriteField(Number(invoice.Total));
                csv.EndRecord();
            }
        }

        csv.Flush();
    }

    private static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>UTF-8 without a byte-order mark, as HTTP bodies and files want it.</summary>
    public static Encoding Utf8 { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
}
