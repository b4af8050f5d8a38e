using Keel.Billing;
using Keel.Billing.Exports;
using Keel.Server.Access;
using Keel.Server.Dashboard.Api;
using Keel.Server.Gateway;
using Keel.Server.Routing;
using Keel.Server.Wire;
using Keel.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Api;

/// <summary>
/// Invoices (list, compute a draft, read as JSON or CSV, finalize, void), credit notes, the ledger sync and margins.
/// Finalized and void invoices never change: asking is a 409.
/// </summary>
internal static class BillingInvoiceEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/billing/invoices", ListAsync);
        app.MapPost("/v1/billing/invoices", DraftAsync);
        app.MapGet("/v1/billing/invoices/{id}", GetAsync);
        app.MapPost("/v1/billing/invoices/{id}/finalize", FinalizeAsync);
        app.MapPost("/v1/billing/invoices/{id}/void", VoidAsync);
        app.MapGet("/v1/billing/credit-notes", ListCreditNotesAsync);
        app.MapPost("/v1/billing/credit-notes", CreditAsync);
        app.MapPost("/v1/billing/sync", SyncAsync);
        app.MapGet("/v1/billing/margin", MarginAsync);
    }

    /// <summary><c>?customer=&amp;status=draft|finalized|void</c>; a customer key lists its own invoices only.</summary>
    private static Task ListAsync(HttpContext http, DashboardAuthenticator auth, BillingService billing, IKeelStore store, CustomerNames names) =>
        BillingRequest.RunAsync(http, auth, async caller =>
        {
            var customerId = await BillingRequest.CustomerFilterAsync(http, store, caller).ConfigureAwait(false);
            var status = BillingRequest.Query(http, "status");
            if (status is not (null or "draft" or "finalized" or "void"))
            {
                throw new BillingInputException("'status' must be draft, finalized or void.", "status");
            }

            var invoices = await billing.ListInvoicesAsync(customerId, http.RequestAborted).ConfigureAwait(false);
            var customerNames = await names.NamesAsync(invoices.Select(i => i.CustomerId), http.RequestAborted).ConfigureAwait(false);
            var documents = invoices.Select(i => InvoiceDocument.From(i, customerNames.GetValueOrDefault(i.CustomerId)));
            await BillingRequest.WriteListAsync(http, documents.Where(d => status is null || d.Status == status), BillingJson.Default.InvoiceDocument).ConfigureAwait(false);
        });

    /// <summary>
    /// <c>{"customer", "period"?: "2026-11"}</c>: derives events from new tasks and outcomes, then computes (or
    /// recomputes) the customer's draft of the month. 409 when the month's invoice is finalized.
    /// </summary>
    private static Task DraftAsync(HttpContext http, DashboardAuthenticator auth, BillingService billing, IKeelStore store, CustomerNames names, GatewayCatalog catalog, TimeProvider time) =>
        BillingRequest.RunAsync(http, auth, async caller =>
        {
            var body = await BillingRequest.ReadObjectAsync(http, catalog).ConfigureAwait(false);
            var customerId = await BillingRequest.CustomerAsync(http, store, caller, BillingRequest.Text(body, "customer", required: true)).ConfigureAwait(false);
            var period = BillingRequest.Month(BillingRequest.Text(body, "period"), time);
            if (await billing.GetAccountAsync(customerId, http.RequestAborted).ConfigureAwait(false) is null)
            {
                throw new GatewayException(OpenAiError.NotFound($"Customer {customerId} is not billed: subscribe it to a plan first."));
            }

            await billing.SyncFromTasksAsync(cancellationToken: http.RequestAborted).ConfigureAwait(false);
            var draft = await billing.ComputeDraftAsync(customerId, period, http.RequestAborted).ConfigureAwait(false);
            await BillingRequest.WriteAsync(http, await DocumentAsync(names, draft, http.RequestAborted).ConfigureAwait(false), BillingJson.Default.InvoiceDocument).ConfigureAwait(false);
        }, adminOnly: true);

    /// <summary>One invoice by id or number; <c>?format=csv</c> answers the CSV export (one row per line).</summary>
    private static Task GetAsync(HttpContext http, string id, DashboardAuthenticator auth, BillingService billing, CustomerNames names) =>
        BillingRequest.RunAsync(http, auth, async caller =>
        {
            var format = BillingRequest.Query(http, "format")?.ToLowerInvariant() ?? "json";
            if (format is not ("json" or "csv"))
            {
                throw new BillingInputException("'format' must be json or csv.", "format");
            }

            var invoice = await FindAsync(http, billing, caller, id).ConfigureAwait(false);
            var document = await DocumentAsync(names, invoice, http.RequestAborted).ConfigureAwait(false);
            if (format == "json")
            {
                await BillingRequest.WriteAsync(http, document, BillingJson.Default.InvoiceDocument).ConfigureAwait(false);
                return;
            }

            var bytes = InvoiceExport.Utf8.GetBytes(InvoiceExport.ToCsv([document]));
            http.Response.ContentType = "text/csv; charset=utf-8";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"{document.Number ?? document.Id}.csv\"";
            http.Response.ContentLength = bytes.Length;
            await http.Response.Body.WriteAsync(bytes, http.RequestAborted).ConfigureAwait(false);
        });

    /// <summary><c>{"force"?: true}</c>: numbers and freezes a draft; 409 when it is not a draft or the grace period has not passed.</summary>
    private static Task FinalizeAsync(HttpContext http, string id, DashboardAuthenticator auth, BillingService billing, CustomerNames names, GatewayCatalog catalog) =>
        BillingRequest.RunAsync(http, auth, async caller =>
        {
            var body = await BillingRequest.ReadObjectAsync(http, catalog, emptyIsObject: true).ConfigureAwait(false);
            var force = BillingRequest.Flag(body, "force");
            var invoice = await FindAsync(http, billing, caller, id).ConfigureAwait(false);
            var finalized = await billing.FinalizeInvoiceAsync(invoice.Id, force, http.RequestAborted).ConfigureAwait(false);
            await BillingRequest.WriteAsync(http, await DocumentAsync(names, finalized, http.RequestAborted).ConfigureAwait(false), BillingJson.Default.InvoiceDocument).ConfigureAwait(false);
        }, adminOnly: true);

    private static Task VoidAsync(HttpContext http, string id, DashboardAuthenticator auth, BillingService billing, CustomerNames names) =>
        BillingRequest.RunAsync(http, auth, async caller =>
        {
            var invoice = await FindAsync(http, billing, caller, id).ConfigureAwait(false);
            var voided = await billing.VoidAsync(invoice.Id, http.RequestAborted).ConfigureAwait(false);
            await BillingRequest.WriteAsync(http, await DocumentAsync(names, voided, http.RequestAborted).ConfigureAwait(false), BillingJson.Default.InvoiceDocument).ConfigureAwait(false);
        }, adminOnly: true);

    private static Task ListCreditNotesAsync(HttpContext http, DashboardAuthenticator auth, BillingService billing, IKeelStore store) =>
        BillingRequest.RunAsync(http, auth, async caller =>
        {
            var customerId = await BillingRequest.CustomerFilterAsync(http, store, caller).ConfigureAwait(false);
            var notes = await billing.ListCreditNotesAsync(customerId, http.RequestAborted).ConfigureAwait(false);
            await BillingRequest.WriteListAsync(http, notes.Select(CreditNoteDocument.From), BillingJson.Default.CreditNoteDocument).ConfigureAwait(false);
        });

    /// <summary><c>{"invoice", "amount", "reason"}</c>: a refund by hand against a finalized invoice (201).</summary>
    private static Task CreditAsync(HttpContext http, DashboardAuthenticator auth, BillingService billing, GatewayCatalog catalog) =>
        BillingRequest.RunAsync(http, auth, async caller =>
        {
            var body = await BillingRequest.ReadObjectAsync(http, catalog).ConfigureAwait(false);
            var id = BillingRequest.Text(body, "invoice", required: true)!;
            var amount = BillingRequest.Number(body, "amount") ?? throw new BillingInputException("'amount' is required.", "amount");
            var reason = BillingRequest.Text(body, "reason", required: true)!;
            if (amount <= 0)
            {
                throw new BillingInputException("'amount' must be positive: a credit note gives money back.", "amount");
            }

            var invoice = await FindAsync(http, billing, caller, id).ConfigureAwait(false);
            var note = await billing.CreditAsync(invoice.Id, amount, reason, http.RequestAborted).ConfigureAwait(false);
            await BillingRequest.WriteAsync(http, CreditNoteDocument.From(note), BillingJson.Default.CreditNoteDocument, StatusCodes.Status201Created).ConfigureAwait(false);
        }, adminOnly: true);

    /// <summary>Derives ledger events from the tasks and outcomes changed since the last sync.</summary>
    private static Task SyncAsync(HttpContext http, DashboardAuthenticator auth, BillingService billing) =>
        BillingRequest.RunAsync(http, auth, async _ =>
        {
            var result = await billing.SyncFromTasksAsync(cancellationToken: http.RequestAborted).ConfigureAwait(false);
            await Results.Json(new BillingSyncedJson(result.Tasks, result.EventsAdded, result.CreditNotes.Count, result.Cursor), TaskApiJson.Default.BillingSyncedJson)
                .ExecuteAsync(http).ConfigureAwait(false);
        }, adminOnly: true);

    /// <summary><c>?from=&amp;to=</c> (dates; default: the current month) or <c>?period=2026-11</c>, and <c>customer</c>.</summary>
    private static Task MarginAsync(HttpContext http, DashboardAuthenticator auth, BillingService billing, IKeelStore store, CustomerNames names, TimeProvider time) =>
        BillingRequest.RunAsync(http, auth, async caller =>
        {
            var from = BillingRequest.QueryTime(http, "from");
            var to = BillingRequest.QueryTime(http, "to");
            var month = BillingRequest.Month(BillingRequest.Query(http, "period"), time);
            if (from is not null && to is not null && to <= from)
            {
                throw new BillingInputException("'to' must be after 'from'.", "to");
            }

            var period = new BillingPeriod(from ?? month.Start, to ?? (from is null ? month.End : from.Value.AddMonths(1)));
            var customerId = await BillingRequest.CustomerFilterAsync(http, store, caller).ConfigureAwait(false);
            var report = await billing.MarginAsync(period, customerId, http.RequestAborted).ConfigureAwait(false);
            // A customer without a name shows its id (MarginDocument's fallback).
            var customerNames = await names.NamesAsync(report.ByCustomer.Select(r => r.CustomerId), http.RequestAborted).ConfigureAwait(false);
            await BillingRequest.WriteAsync(http, MarginDocument.Create(report, customerNames), BillingJson.Default.MarginDocument).ConfigureAwait(false);
        }, adminOnly: true);

    /// <summary>The invoice an id or number names, if the caller may see it.</summary>
    /// <exception cref="GatewayException">A 404, as if an invoice the caller may not see did not exist.</exception>
    private static async Task<Invoice> FindAsync(HttpContext http, BillingService billing, DashboardCaller caller, string id)
    {
        var invoice = await billing.FindInvoiceAsync(id, http.RequestAborted).ConfigureAwait(false);
        return invoice is not null && caller.CanSee(invoice.CustomerId)
            ? invoice
            : throw new GatewayException(OpenAiError.NotFound(caller.CustomerId is null ? $"No invoice '{id}'." : $"No invoice '{id}' for this API key."));
    }

    private static async Task<InvoiceDocument> DocumentAsync(CustomerNames names, Invoice invoice, CancellationToken cancellationToken) =>
        InvoiceDocument.From(invoice, await names.NameAsync(invoice.CustomerId, cancellationToken).ConfigureAwait(false));
}
