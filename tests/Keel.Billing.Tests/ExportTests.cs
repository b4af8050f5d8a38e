using System.Text.Json;
using Keel.Billing.Exports;
using Keel.Billing.Rating;
using Xunit;

namespace Keel.Billing.Tests;

/// <summary>The JSON and CSV exports of invoices: RFC 4180 escaping, money in the currency's minor units, tiers kept.</summary>
public sealed class ExportTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static Invoice Sample(string currency, string description, decimal amount, string tiers = "[]") => new()
    {
        Id = "inv_1",
        CustomerId = "cus_1",
        Status = InvoiceStatus.Finalized,
        Number = 42,
        PeriodStart = Start,
        PeriodEnd = Start.AddMonths(1),
        Currency = currency,
        PlanVersions = ["growth@2"],
        Lines = [new InvoiceLine(1, "outcomes", description, "outcome.success", 29, null, amount, amount, tiers, "growth", 2)],
        UnroundedTotal = amount,
        Total = amount,
    };

    /// <summary>Splits RFC 4180 text into records of fields, by hand, so the test does not trust the writer's own reader.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var records = new List<List<string>>();
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                Assert.True(field.Length == 0, "a quote inside an unquoted field");
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                records.Add(fields);
                fields = [];
                i++;
            }
            else
            {
                Assert.True(c != '\n' && c != '\r', "a bare line break outside quotes");
                field.Append(c);
            }
        }

        Assert.False(quoted, "an unterminated quoted field");
        Assert.True(field.Length == 0 && fields.Count == 0, "the last record must end with CRLF");
        return records;
    }

    [Fact]
    public void Csv_quotes_commas_quotes_and_newlines_and_reads_back_exactly()
    {
        const string description = "Resolved \"hard\" tickets, priority 1\nand 2";
        var csv = InvoiceExport.ToCsv([InvoiceDocument.From(Sample("USD", description, 36.6m), "Acme, Inc.")]);

        Assert.Contains("\"Resolved \"\"hard\"\" tickets, priority 1\nand 2\"", csv, StringComparison.Ordinal);
        Assert.Contains("\"Acme, Inc.\"", csv, StringComparison.Ordinal);
        var records = ParseCsv(csv);
        Assert.Equal(2, records.Count);
        Assert.Equal(InvoiceExport.CsvColumns, records[0]);
        var row = records[1].Select((value, i) => (InvoiceExport.CsvColumns[i], value)).ToDictionary(x => x.Item1, x => x.value);
        Assert.Equal(InvoiceExport.CsvColumns.Count, records[1].Count);
        Assert.Equal(description, row["description"]);
        Assert.Equal("Acme, Inc.", row["customer"]);
        Assert.Equal("INV-000042", row["invoice_number"]);
        Assert.Equal("finalized", row["status"]);
        Assert.Equal("36.60", row["amount"]);
        Assert.Equal("36.60", row["invoice_total"]);
        Assert.Equal("2026-11-01T00:00:00Z", row["period_start"]);
    }

    [Theory]
    [InlineData("USD", "12.5", "12.50")]
    [InlineData("JPY", "1250", "1250")]
    [InlineData("KWD", "1.25", "1.250")]
    public void Json_and_csv_write_money_with_the_currency_minor_units(string currency, string amount, string expected)
    {
        var document = InvoiceDocument.From(Sample(currency, "Tasks", decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture)));

        var json = JsonDocument.Parse(InvoiceExport.ToJson([document])).RootElement[0];
        Assert.Equal(expected, json.GetProperty("total").GetRawText());
        Assert.Equal(expected, json.GetProperty("lines")[0].GetProperty("amount").GetRawText());
        var row = ParseCsv(InvoiceExport.ToCsv([document]))[1];
        Assert.Equal(expected, row[InvoiceExport.CsvColumns.ToList().IndexOf("amount")]);
    }

    [Fact]
    public void Json_has_the_documented_fields_and_the_tiers_applied()
    {
        AppliedTier[] tiers = [new(1, 0, 10, 10, 1.5m, 0, 15m), new(2, 10, null, 19, 1.2m, 0, 22.8m)];
        var stored = JsonSerializer.Serialize<IReadOnlyList<AppliedTier>>(tiers, BillingJson.Default.IReadOnlyListAppliedTier);
        var document = InvoiceDocument.From(Sample("USD", "Outcomes", 37.8m, stored), "acme");

        var json = JsonDocument.Parse(InvoiceExport.ToJson([document])).RootElement;
        Assert.Equal(JsonValueKind.Array, json.ValueKind);
        var invoice = json[0];
        Assert.Equal(("acme", "finalized", "USD"), (invoice.GetProperty("customer").GetString(), invoice.GetProperty("status").GetString(), invoice.GetProperty("currency").GetString()));
        var line = invoice.GetProperty("lines")[0];
        Assert.Equal(("Outcomes", 29m, 37.8m), (line.GetProperty("description").GetString(), line.GetProperty("quantity").GetDecimal(), line.GetProperty("amount").GetDecimal()));
        Assert.Equal(2, line.GetProperty("tiers").GetArrayLength());
        Assert.Equal(19m, line.GetProperty("tiers")[1].GetProperty("quantity").GetDecimal());
        Assert.Equal("tier 1 (0-10]: 10 x 1.5; tier 2 (>10): 19 x 1.2", TierText.Describe(document.Lines[0].Tiers));
    }
}
