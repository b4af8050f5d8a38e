using System.Text.Json;
using Keel.Billing;

namespace Keel.Server.Dashboard.Api;

/// <summary>
/// An invoice, a line and a credit note as the dashboard's billing API shows them (as <see cref="TaskRows"/> and
/// <see cref="StepRows"/> do for tasks and steps). The REST and export documents are <c>Keel.Billing.Exports.BillingJson</c>'s.
/// </summary>
internal static class BillingRows
{
    public static void InvoiceFields(Utf8JsonWriter writer, Invoice invoice, string? customerName, decimal credited)
    {
        writer.WriteString("id", invoice.Id);
        writer.Text("number", invoice.DisplayNumber);
        writer.WriteString("customer_id", invoice.CustomerId);
        writer.Text("customer_name", customerName);
        writer.WriteString("status", ApiJson.Lower(invoice.Status));
        writer.Time("period_start", invoice.PeriodStart);
        writer.Time("period_end", invoice.PeriodEnd);
        Currency(writer, invoice.Currency);
        writer.WriteNumber("total", invoice.Total);
        writer.WriteNumber("unrounded_total", invoice.UnroundedTotal);
        writer.WriteNumber("credited", credited);
        writer.WriteNumber("line_count", invoice.Lines.Count);
        writer.WriteStartArray("plan_versions");
        foreach (var plan in invoice.PlanVersions)
        {
            writer.WriteStringValue(plan);
        }

        writer.WriteEndArray();
        writer.Time("created_at", invoice.CreatedAt);
        writer.Time("updated_at", invoice.UpdatedAt);
        writer.Time("finalized_at", invoice.FinalizedAt);
        writer.Time("voided_at", invoice.VoidedAt);
    }

    public static void Line(Utf8JsonWriter writer, InvoiceLine line)
    {
        writer.WriteStartObject();
        writer.WriteNumber("seq", line.Seq);
        writer.WriteString("component_id", line.ComponentId);
        writer.WriteString("description", line.Description);
        writer.WriteString("metric", line.Metric);
        writer.WriteNumber("quantity", line.Quantity);
        writer.Number("unit_price", line.UnitPrice);
        writer.WriteNumber("unrounded_amount", line.UnroundedAmount);
        writer.WriteNumber("amount", line.Amount);
        writer.RawOrText("tiers", line.Tiers);
        writer.WriteString("plan_id", line.PlanId);
        writer.WriteNumber("plan_version", line.PlanVersion);
        writer.Text("note", line.Note);
        writer.WriteEndObject();
    }

    public static void CreditNote(Utf8JsonWriter writer, CreditNote note)
    {
        writer.WriteStartObject();
        writer.WriteString("id", note.Id);
        writer.WriteString("number", note.DisplayNumber);
        writer.WriteString("reason", note.Reason);
        writer.Text("source_event_id", note.SourceEventId);
        writer.WriteNumber("total", note.Total);
        writer.Time("created_at", note.CreatedAt);
        writer.WriteStartArray("lines");
        foreach (var line in note.Lines)
        {
            writer.WriteStartObject();
            writer.WriteNumber("seq", line.Seq);
            writer.WriteString("description", line.Description);
            writer.WriteNumber("quantity", line.Quantity);
            writer.WriteNumber("amount", line.Amount);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary><c>currency</c> and its <c>minor_units</c> (2 for USD, 0 for JPY, 3 for KWD).</summary>
    public static void Currency(Utf8JsonWriter writer, string code)
    {
        writer.WriteString("currency", code);
        writer.Number("minor_units", Keel.Billing.Currencies.Currency.TryGet(code, out var currency) ? currency.MinorUnits : null);
    }
}
