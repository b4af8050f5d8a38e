using Keel.Billing;
using Keel.Storage;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Dashboard.Api;

/// <summary>
/// <c>GET /api/billing/invoices?customer=&amp;status=</c>, the invoices newest period first with a total per currency,
/// and <c>GET /api/billing/invoices/{id}</c>, one invoice with its lines and credit notes.
/// </summary>
internal static class BillingInvoicesApi
{
    public static async Task ListAsync(HttpContext http, IKeelStore store, CustomerNames names)
    {
        var parameters = new ApiQuery(http.Request.Query);
        var status = parameters.Enum<InvoiceStatus>("status");
        if (parameters.Error is { } error)
        {
            await ApiJson.InvalidAsync(http, error).ConfigureAwait(false);
            return;
        }

        var ct = http.RequestAborted;
        var customer = await BillingApi.CustomerFilterAsync(http, store, parameters.Text("customer")).ConfigureAwait(false);
        IReadOnlyList<Invoice> invoices = customer == BillingApi.Nobody ? [] : await store.ListInvoicesAsync(customer, ct).ConfigureAwait(false);
        var shown = invoices.Where(i => status is null || i.Status == status)
            .OrderByDescending(i => i.PeriodStart).ThenBy(i => i.Number ?? long.MaxValue).ThenBy(i => i.CustomerId, StringComparer.Ordinal)
            .ToList();
        var credited = customer == BillingApi.Nobody ? [] : (await store.ListCreditNotesAsync(customer, ct).ConfigureAwait(false))
            .GroupBy(n => n.InvoiceId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(n => n.Total), StringComparer.Ordinal);
        var customerNames = await names.NamesAsync(shown.Select(i => i.CustomerId), ct).ConfigureAwait(false);
        await ApiJson.WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("invoices");
            foreach (var invoice in shown)
            {
                writer.WriteStartObject();
                BillingRows.InvoiceFields(writer, invoice, customerNames.GetValueOrDefault(invoice.CustomerId), credited.GetValueOrDefault(invoice.Id));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            // Money in different currencies never adds up: one total per currency, void invoices left out.
            writer.WriteStartArray("totals");
            foreach (var group in shown.Where(i => i.Status != InvoiceStatus.Void).GroupBy(i => i.Currency, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                BillingRows.Currency(writer, group.Key);
                writer.WriteNumber("invoices", group.Count());
                writer.WriteNumber("total", group.Sum(i => i.Total));
                writer.WriteNumber("finalized", group.Where(i => i.Status == InvoiceStatus.Finalized).Sum(i => i.Total));
                writer.WriteNumber("draft", group.Where(i => i.Status == InvoiceStatus.Draft).Sum(i => i.Total));
                writer.WriteNumber("credited", group.Sum(i => credited.GetValueOrDefault(i.Id)));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }

    public static async Task GetAsync(HttpContext http, string id, IKeelStore store, CustomerNames names)
    {
        var ct = http.RequestAborted;
        var invoice = await store.GetInvoiceAsync(id, ct).ConfigureAwait(false);
        if (invoice is null || !DashboardApi.Caller(http).CanSee(invoice.CustomerId))
        {
            await ApiJson.NotFoundAsync(http, $"invoice '{id}'").ConfigureAwait(false);
            return;
        }

        var notes = (await store.ListCreditNotesAsync(invoice.CustomerId, ct).ConfigureAwait(false)).Where(n => n.InvoiceId == invoice.Id).ToList();
        var name = await names.NameAsync(invoice.CustomerId, ct).ConfigureAwait(false);
        await ApiJson.WriteAsync(http, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("invoice");
            BillingRows.InvoiceFields(writer, invoice, name, notes.Sum(n => n.Total));
            writer.WriteNumber("event_count", invoice.EventIds.Count);
            writer.WriteEndObject();
            writer.WriteStartArray("lines");
            foreach (var line in invoice.Lines)
            {
                BillingRows.Line(writer, line);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("credit_notes");
            foreach (var note in notes)
            {
                BillingRows.CreditNote(writer, note);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }).ConfigureAwait(false);
    }
}
