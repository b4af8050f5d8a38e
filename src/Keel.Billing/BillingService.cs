using Keel.Billing.Currencies;
using Keel.Billing.Invoicing;
using Keel.Billing.Ledger;
using Keel.Billing.Margins;
using Keel.Billing.Plans;
using Keel.Storage;
using Keel.Tasks;

namespace Keel.Billing;

/// <summary>
/// Keel's billing, stateful half: plans and subscriptions in the store, the events ledger (derived from tasks and
/// outcomes, or recorded from outside), draft / finalized / void invoices, credit notes and margins. The rating
/// itself is <see cref="Rating.InvoiceRater"/>, a pure function this service feeds.
/// </summary>
public sealed partial class BillingService
{
    private readonly IKeelStore _store;
    private readonly BillingOptions _options;
    private readonly InvoiceComputer _computer;

    public BillingService(IKeelStore store, BillingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _options = options ?? new BillingOptions();
        _computer = new InvoiceComputer(store, _options);
    }

    public BillingOptions Options => _options;

    /// <summary>Stores a plan version (validated); prices change by adding a new version, never by editing one.</summary>
    public async Task<StoredPlan> AddPlanAsync(Plan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        plan.Validate();
        return await _store.AddPlanVersionAsync(new StoredPlan(plan.Id, plan.Version, plan.Name, plan.Currency, PlanJson.Serialize(plan), default), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Makes a customer billable in an ISO 4217 currency.</summary>
    public async Task<BillingAccount> OpenAccountAsync(string customerId, string currency, CancellationToken cancellationToken = default) =>
        await _store.EnsureBillingAccountAsync(customerId, Currency.Get(currency).Code, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Subscribes from <paramref name="startsAt"/>; a running subscription ends at that instant (a mid-period change:
    /// each plan prices its own part of the period, see docs/billing.md for proration). Latest version when none is named.
    /// </summary>
    public async Task<Subscription> SubscribeAsync(string customerId, string planId, int? version, DateTimeOffset startsAt, CancellationToken cancellationToken = default)
    {
        var plan = await _store.GetPlanAsync(planId, version, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException(version is null ? $"No plan '{planId}'." : $"No plan '{planId}' version {version}.");
        var account = await _store.GetBillingAccountAsync(customerId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Customer {customerId} has no billing account: open one with a currency first.");
        if (!string.Equals(plan.Currency, account.Currency, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Plan {planId} is priced in {plan.Currency}, customer {customerId} is billed in {account.Currency}.");
        }

        return await _store.SubscribeAsync(customerId, plan.PlanId, plan.Version, startsAt, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Subscription?> CancelAsync(string customerId, DateTimeOffset endsAt, CancellationToken cancellationToken = default) =>
        await _store.CancelSubscriptionAsync(customerId, endsAt, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Records an event from outside (<c>POST /v1/billing/events</c>) exactly once per idempotency key. A void of an
    /// event already billed on a finalized invoice is credited at once.
    /// </summary>
    /// <exception cref="BillableEventConflictException">The key was used for another event.</exception>
    public async Task<BillableEventWrite> RecordEventAsync(BillableEvent billableEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(billableEvent);
        var e = string.IsNullOrEmpty(billableEvent.Id) ? billableEvent with { Id = KeelIds.New("bev") } : billableEvent;
        if (e.Kind == BillableEventKind.Correction && e.TargetEventId is { } target
            && (await _store.ListBillableEventsAsync(new BillableEventQuery(e.CustomerId), cancellationToken).ConfigureAwait(false))
                .FirstOrDefault(x => x.Id == target) is { InvoiceId: not null } billed)
        {
            throw new InvalidOperationException($"Event {billed.Id} is billed on a finalized invoice: void it (it is credited) and record the corrected event anew.");
        }

        var write = await _store.AddBillableEventAsync(e, cancellationToken).ConfigureAwait(false);
        if (write.Created && write.Event.Kind == BillableEventKind.Void)
        {
            await ApplyCreditPolicyAsync(write.Event.CustomerId, cancellationToken).ConfigureAwait(false);
        }

        return write;
    }

    /// <summary>
    /// Derives ledger events from tasks and outcomes changed since the last sync (resumable: the cursor moves with
    /// each committed batch), then credits reversals of events already billed.
    /// </summary>
    public async Task<LedgerSyncResult> SyncFromTasksAsync(int batchSize = 500, CancellationToken cancellationToken = default)
    {
        var (tasks, added, reversed, cursor) = await new TaskLedgerSync(_store).RunAsync(batchSize, cancellationToken).ConfigureAwait(false);
        var credits = new List<CreditNote>();
        foreach (var customerId in reversed.Order(StringComparer.Ordinal))
        {
            if (await _store.GetBillingAccountAsync(customerId, cancellationToken).ConfigureAwait(false) is not null)
            {
                credits.AddRange(await ApplyCreditPolicyAsync(customerId, cancellationToken).ConfigureAwait(false));
            }
        }

        return new LedgerSyncResult(tasks, added, credits, cursor);
    }

    /// <summary>
    /// Computes (or recomputes) the draft invoice of a customer's period from the ledger as it is now, and stores it
    /// in place of the previous draft.
    /// </summary>
    /// <exception cref="InvoiceImmutableException">The period's invoice is already finalized.</exception>
    public async Task<Invoice> ComputeDraftAsync(string customerId, BillingPeriod period, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(period);
        var existing = await _store.FindInvoiceAsync(customerId, period.Start, period.End, cancellationToken).ConfigureAwait(false);
        if (existing is { Status: not InvoiceStatus.Draft })
        {
            throw new InvoiceImmutableException(existing.Id, existing.Status);
        }

        var ledger = await _computer.ReadLedgerAsync(customerId, cancellationToken).ConfigureAwait(false);
        var draft = await _computer.BuildDraftAsync(ledger, period, existing?.Id ?? InvoiceComputer.NewInvoiceId(), cancellationToken).ConfigureAwait(false);
        return await _store.SaveDraftInvoiceAsync(draft, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Finalizes the period's draft, recomputed first when it is stale: numbered without gaps, immutable, its events stamped as billed.
    /// Refused before the grace period after the period's end has passed, unless <paramref name="force"/>.
    /// </summary>
    public async Task<Invoice> FinalizeAsync(string customerId, BillingPeriod period, bool force = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(period);
        var now = _options.TimeProvider.GetUtcNow();
        var closes = period.End + _options.GracePeriod;
        if (!force && now < closes)
        {
            throw new InvalidOperationException($"Period {period} takes late events until {closes:O} (grace period {_options.GracePeriod}); finalize after that, or force it.");
        }

        // The period's draft is rated again from the ledger as it is now; when that gives exactly the stored draft (same
        // lines, totals, plans and billed events) the draft is current and is finalized as stored, without rewriting it.
        // Only a stale draft (the ledger, subscriptions, invoices or credits changed what it bills) is saved again first.
        var ledger = await _computer.ReadLedgerAsync(customerId, cancellationToken).ConfigureAwait(false);
        var existing = ledger.Invoices.FirstOrDefault(i => i.Status != InvoiceStatus.Void && i.PeriodStart == period.Start && i.PeriodEnd == period.End);
        if (existing is { Status: not InvoiceStatus.Draft })
        {
            throw new InvoiceImmutableException(existing.Id, existing.Status);
        }

        var computed = await _computer.BuildDraftAsync(ledger, period, existing?.Id ?? InvoiceComputer.NewInvoiceId(), cancellationToken).ConfigureAwait(false);
        var draft = existing is not null && InvoiceComputer.SameContent(existing, computed)
            ? existing
            : await _store.SaveDraftInvoiceAsync(computed, cancellationToken).ConfigureAwait(false);
        return await _store.FinalizeInvoiceAsync(draft.Id, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Voids an invoice; the events a finalized one billed are billed again by the period's next draft.</summary>
    public async Task<Invoice> VoidAsync(string invoiceId, CancellationToken cancellationToken = default) =>
        await _store.VoidInvoiceAsync(invoiceId, _options.TimeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A refund by hand: a credit note of <paramref name="amount"/> (rounded to the currency) against a finalized
    /// invoice, never more than what the invoice still has uncredited.
    /// </summary>
    public async Task<CreditNote> CreditAsync(string invoiceId, decimal amount, string reason, CancellationToken cancellationToken = default)
    {
        var invoice = await FinalizedAsync(invoiceId, cancellationToken).ConfigureAwait(false);
        var rounded = Currency.Get(invoice.Currency).Round(amount);
        return await CreditAsync(invoice, [new CreditNoteLine(1, "credit", reason, "", 1, amount, rounded)], reason, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A refund by hand of chosen lines (amounts positive, each already rounded to the currency).</summary>
    public async Task<CreditNote> CreditAsync(string invoiceId, IReadOnlyList<CreditNoteLine> lines, string reason, CancellationToken cancellationToken = default) =>
        await CreditAsync(await FinalizedAsync(invoiceId, cancellationToken).ConfigureAwait(false), lines, reason, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The automatic policy: every void of an event billed on a finalized invoice (an outcome reversed to failure)
    /// gets a credit note for exactly what that event added to the invoice. Idempotent: one note per void.
    /// </summary>
    public async Task<IReadOnlyList<CreditNote>> ApplyCreditPolicyAsync(string customerId, CancellationToken cancellationToken = default)
    {
        var issued = new List<CreditNote>();
        var ledger = await _computer.ReadLedgerAsync(customerId, cancellationToken).ConfigureAwait(false);
        var noted = ledger.CreditNotes.Where(n => n.SourceEventId is not null).Select(n => n.SourceEventId!).ToHashSet(StringComparer.Ordinal);
        var due = ledger.Net.Where(n => n.Void is { } v && n.Billed && !noted.Contains(v.Id) && !ledger.Credited.Contains(n.Id))
            .OrderBy(n => n.Void!.ReceivedAt).ThenBy(n => n.Void!.Id, StringComparer.Ordinal)
            .Select(n => n.Id)
            .ToList();
        foreach (var usageId in due)
        {
            var reversed = ledger.Net.First(n => n.Id == usageId);
            var invoice = ledger.Invoices.FirstOrDefault(i => i.Id == reversed.Usage.InvoiceId && i.Status == InvoiceStatus.Finalized);
            if (invoice is null)
            {
                continue;
            }

            var lines = await _computer.CreditLinesAsync(ledger, invoice, reversed, cancellationToken).ConfigureAwait(false);
            if (lines.Count == 0)
            {
                continue;
            }

            issued.Add(await _store.AddCreditNoteAsync(new CreditNote
            {
                Id = KeelIds.New("cn"),
                CustomerId = customerId,
                InvoiceId = invoice.Id,
                SourceEventId = reversed.Void!.Id,
                Reason = $"{reversed.Usage.Metric} {reversed.Id}{(reversed.Usage.TaskId is { } task ? $" of task {task}" : "")} voided after {invoice.DisplayNumber} was finalized",
                Currency = invoice.Currency,
                Lines = lines,
                UnroundedTotal = lines.Sum(l => l.UnroundedAmount),
                Total = lines.Sum(l => l.Amount),
            }, cancellationToken).ConfigureAwait(false));

            // Each credit changes what stands charged for the next one (tiers): read the ledger again.
            ledger = await _computer.ReadLedgerAsync(customerId, cancellationToken).ConfigureAwait(false);
        }

        return issued;
    }

    /// <summary>Revenue, recorded cost and margin per customer, plan and agent for a period.</summary>
    public async Task<MarginReport> MarginAsync(BillingPeriod period, string? customerId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(period);
        return await new MarginCalculator(_store, _computer, _options).ComputeAsync(period, customerId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Invoice> FinalizedAsync(string invoiceId, CancellationToken cancellationToken)
    {
        var invoice = await _store.GetInvoiceAsync(invoiceId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"No invoice '{invoiceId}'.");
        return invoice.Status == InvoiceStatus.Finalized
            ? invoice
            : throw new InvalidOperationException($"Invoice {invoiceId} is {invoice.Status.ToString().ToLowerInvariant()}: only a finalized invoice can be credited.");
    }

    private async Task<CreditNote> CreditAsync(Invoice invoice, IReadOnlyList<CreditNoteLine> lines, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var total = lines.Sum(l => l.Amount);
        if (total <= 0)
        {
            throw new ArgumentException("A credit note gives money back: its amount must be positive.", nameof(lines));
        }

        var credited = (await _store.ListCreditNotesAsync(invoice.CustomerId, cancellationToken).ConfigureAwait(false)).Where(n => n.InvoiceId == invoice.Id).Sum(n => n.Total);
        if (credited + total > invoice.Total)
        {
            throw new InvalidOperationException($"Invoice {invoice.DisplayNumber} totals {invoice.Total} {invoice.Currency} and {credited} is already credited: {total} more is too much.");
        }

        return await _store.AddCreditNoteAsync(new CreditNote
        {
            Id = KeelIds.New("cn"),
            CustomerId = invoice.CustomerId,
            InvoiceId = invoice.Id,
            Reason = reason,
            Currency = invoice.Currency,
            Lines = lines,
            UnroundedTotal = lines.Sum(l => l.UnroundedAmount),
            Total = total,
        }, cancellationToken).ConfigureAwait(false);
    }
}
