using Keel.Billing.Plans;

namespace Keel.Billing;

/// <summary>Reads the interfaces (REST, CLI, exports) need on top of the billing operations.</summary>
public sealed partial class BillingService
{
    /// <summary>Every version of every plan, parsed, by id then version.</summary>
    public async Task<IReadOnlyList<(StoredPlan Stored, Plan Plan)>> ListPlansAsync(CancellationToken cancellationToken = default)
    {
        var stored = await _store.ListPlansAsync(cancellationToken).ConfigureAwait(false);
        return [.. stored.Select(p => (p, PlanJson.Deserialize(p.Definition)))];
    }

    /// <summary>A plan version, or its latest version when <paramref name="version"/> is null.</summary>
    public async Task<StoredPlan?> GetPlanAsync(string planId, int? version = null, CancellationToken cancellationToken = default) =>
        await _store.GetPlanAsync(planId, version, cancellationToken).ConfigureAwait(false);

    public async Task<BillingAccount?> GetAccountAsync(string customerId, CancellationToken cancellationToken = default) =>
        await _store.GetBillingAccountAsync(customerId, cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<BillingAccount>> ListAccountsAsync(CancellationToken cancellationToken = default) =>
        await _store.ListBillingAccountsAsync(cancellationToken).ConfigureAwait(false);

    public async Task<IReadOnlyList<Subscription>> ListSubscriptionsAsync(string customerId, CancellationToken cancellationToken = default) =>
        await _store.ListSubscriptionsAsync(customerId, cancellationToken).ConfigureAwait(false);

    /// <summary>The customer's ledger entries (usage, corrections, voids) with a timestamp in [from, to), by timestamp.</summary>
    public async Task<IReadOnlyList<BillableEvent>> ListEventsAsync(string customerId, DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken cancellationToken = default) =>
        await _store.ListBillableEventsAsync(new BillableEventQuery(customerId, from, to), cancellationToken).ConfigureAwait(false);

    /// <summary>Invoices by period then number, optionally of one customer.</summary>
    public async Task<IReadOnlyList<Invoice>> ListInvoicesAsync(string? customerId = null, CancellationToken cancellationToken = default) =>
        await _store.ListInvoicesAsync(customerId, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// An invoice by its id or by its number as printed (<c>INV-000042</c>): people quote the number, programs the id.
    /// </summary>
    public async Task<Invoice?> FindInvoiceAsync(string idOrNumber, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrNumber);
        if (await _store.GetInvoiceAsync(idOrNumber, cancellationToken).ConfigureAwait(false) is { } byId)
        {
            return byId;
        }

        if (!idOrNumber.StartsWith("INV-", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var invoices = await _store.ListInvoicesAsync(null, cancellationToken).ConfigureAwait(false);
        return invoices.FirstOrDefault(i => string.Equals(i.DisplayNumber, idOrNumber, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Credit notes by number, optionally of one customer.</summary>
    public async Task<IReadOnlyList<CreditNote>> ListCreditNotesAsync(string? customerId = null, CancellationToken cancellationToken = default) =>
        await _store.ListCreditNotesAsync(customerId, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Finalizes the draft <paramref name="invoiceId"/> names (recomputed first, as <see cref="FinalizeAsync(string, BillingPeriod, bool, CancellationToken)"/>).
    /// </summary>
    /// <exception cref="InvoiceImmutableException">The invoice is already finalized or void.</exception>
    public async Task<Invoice> FinalizeInvoiceAsync(string invoiceId, bool force = false, CancellationToken cancellationToken = default)
    {
        var invoice = await _store.GetInvoiceAsync(invoiceId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"No invoice '{invoiceId}'.");
        if (invoice.Status != InvoiceStatus.Draft)
        {
            throw new InvoiceImmutableException(invoice.Id, invoice.Status);
        }

        return await FinalizeAsync(invoice.CustomerId, new BillingPeriod(invoice.PeriodStart, invoice.PeriodEnd), force, cancellationToken).ConfigureAwait(false);
    }
}
