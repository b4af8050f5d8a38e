using Keel.Billing;

namespace Keel.Storage;

/// <summary>
/// The billing store: plan versions, accounts, subscriptions, the append-only events ledger, invoices and credit
/// notes. Each call is one transaction. Finalized invoices and credit notes are immutable in the store itself, and
/// their numbers come from counters advanced in the same transaction, so the sequences have no gaps.
/// </summary>
public partial interface IKeelStore
{
    /// <summary>Stores a new plan version; writing the same version again with the same definition is a no-op.</summary>
    /// <exception cref="StoreException">That version exists with another definition: a new price needs a new version.</exception>
    ValueTask<StoredPlan> AddPlanVersionAsync(StoredPlan plan, CancellationToken cancellationToken = default);

    /// <summary>A plan version, or its latest version when <paramref name="version"/> is null.</summary>
    ValueTask<StoredPlan?> GetPlanAsync(string planId, int? version = null, CancellationToken cancellationToken = default);

    /// <summary>Every version of every plan, by id then version.</summary>
    ValueTask<IReadOnlyList<StoredPlan>> ListPlansAsync(CancellationToken cancellationToken = default);

    /// <summary>Makes a customer billable in a currency, or returns its account when it has one in that currency.</summary>
    /// <exception cref="StoreException">The account exists in another currency and has invoices.</exception>
    ValueTask<BillingAccount> EnsureBillingAccountAsync(string customerId, string currency, CancellationToken cancellationToken = default);

    ValueTask<BillingAccount?> GetBillingAccountAsync(string customerId, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<BillingAccount>> ListBillingAccountsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Puts the customer on a plan version from <paramref name="startsAt"/>. A subscription still running then is
    /// ended at that same instant (a plan change); one that starts later is refused.
    /// </summary>
    ValueTask<Subscription> SubscribeAsync(string customerId, string planId, int planVersion, DateTimeOffset startsAt, CancellationToken cancellationToken = default);

    /// <summary>Ends the customer's running subscription at <paramref name="endsAt"/>; null when none runs then.</summary>
    ValueTask<Subscription?> CancelSubscriptionAsync(string customerId, DateTimeOffset endsAt, CancellationToken cancellationToken = default);

    /// <summary>The customer's subscriptions by start.</summary>
    ValueTask<IReadOnlyList<Subscription>> ListSubscriptionsAsync(string customerId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends an event exactly once: a second submission under the same customer and idempotency key returns the
    /// first, also when both race. A correction or void must name a usage event of the same customer.
    /// </summary>
    /// <exception cref="BillableEventConflictException">The key was used for an event with another payload.</exception>
    ValueTask<BillableEventWrite> AddBillableEventAsync(BillableEvent billableEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends many events in one transaction (each exactly once, as <see cref="AddBillableEventAsync"/>) and, in the
    /// same transaction, moves the named cursor to <paramref name="cursorPosition"/>: a derivation that stops half-way
    /// resumes from the last batch it committed. Moving <see cref="TaskBillingChange.FeedCursor"/> also drops the task
    /// change feed's rows up to it, so the feed holds only what the sync has not consumed yet.
    /// </summary>
    ValueTask<IReadOnlyList<BillableEventWrite>> AddBillableEventsAsync(IReadOnlyList<BillableEvent> events, string? cursorName = null, long cursorPosition = 0,
        CancellationToken cancellationToken = default);

    /// <summary>The customer's ledger entries that match, by timestamp then id.</summary>
    ValueTask<IReadOnlyList<BillableEvent>> ListBillableEventsAsync(BillableEventQuery query, CancellationToken cancellationToken = default);

    /// <summary>Where a named reader of the ledger's sources stopped (0 before its first run).</summary>
    ValueTask<long> GetBillingCursorAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>
    /// The tasks whose billable state changed after position <paramref name="afterSeq"/> of the change feed, each once
    /// (at its latest position), with its current state, in feed order.
    /// </summary>
    ValueTask<IReadOnlyList<TaskBillingChange>> ReadTaskBillingChangesAsync(long afterSeq, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates or replaces the draft invoice of a customer's period (lines, totals and the events it bills). The id
    /// of an existing draft of that period is kept.
    /// </summary>
    /// <exception cref="InvoiceImmutableException">The period's invoice is finalized.</exception>
    ValueTask<Invoice> SaveDraftInvoiceAsync(Invoice draft, CancellationToken cancellationToken = default);

    ValueTask<Invoice?> GetInvoiceAsync(string invoiceId, CancellationToken cancellationToken = default);

    /// <summary>The customer's draft or finalized invoice for exactly this period, if any.</summary>
    ValueTask<Invoice?> FindInvoiceAsync(string customerId, DateTimeOffset periodStart, DateTimeOffset periodEnd, CancellationToken cancellationToken = default);

    /// <summary>Invoices by period then number, optionally of one customer.</summary>
    ValueTask<IReadOnlyList<Invoice>> ListInvoicesAsync(string? customerId = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Numbers a draft from the gapless counter, freezes it and stamps its events as billed by it, in one transaction.
    /// </summary>
    /// <exception cref="InvoiceImmutableException">The invoice is not a draft.</exception>
    /// <exception cref="StoreException">One of its events was billed by another invoice meanwhile: recompute the draft.</exception>
    ValueTask<Invoice> FinalizeInvoiceAsync(string invoiceId, DateTimeOffset finalizedAt, CancellationToken cancellationToken = default);

    /// <summary>Voids a draft or finalized invoice; the events a finalized one billed become unbilled again.</summary>
    /// <exception cref="InvoiceImmutableException">The invoice is already void.</exception>
    ValueTask<Invoice> VoidInvoiceAsync(string invoiceId, DateTimeOffset voidedAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Issues a credit note against a finalized invoice, numbered from its own gapless counter. With a source event,
    /// a second note for the same event returns the first.
    /// </summary>
    ValueTask<CreditNote> AddCreditNoteAsync(CreditNote creditNote, CancellationToken cancellationToken = default);

    /// <summary>Credit notes by number, optionally of one customer.</summary>
    ValueTask<IReadOnlyList<CreditNote>> ListCreditNotesAsync(string? customerId = null, CancellationToken cancellationToken = default);

    /// <summary>Recorded model, tool and human cost per customer and agent, for usage in [<paramref name="since"/>, <paramref name="until"/>).</summary>
    ValueTask<IReadOnlyList<BillingCostRow>> BillingCostsAsync(DateTimeOffset since, DateTimeOffset until, string? customerId = null, CancellationToken cancellationToken = default);
}
