using System.Globalization;
using Keel.Billing.Currencies;
using Keel.Billing.Ledger;
using Keel.Billing.Plans;
using Keel.Billing.Rating;
using Keel.Storage;
using Keel.Tasks;

namespace Keel.Billing.Invoicing;

/// <summary>
/// Builds invoices and credit notes from the ledger: reads subscriptions into plan intervals, resolves the net
/// events, and calls the rater. Everything is recomputed from the store each time, so a draft is never stale data.
/// </summary>
internal sealed class InvoiceComputer(IKeelStore store, BillingOptions options)
{
    private readonly Dictionary<(string, int), Plan> _plans = [];

    public async Task<CustomerLedger> ReadLedgerAsync(string customerId, CancellationToken cancellationToken)
    {
        var account = await store.GetBillingAccountAsync(customerId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Customer {customerId} has no billing account: open one with a currency first.");
        var events = await store.ListBillableEventsAsync(new BillableEventQuery(customerId), cancellationToken).ConfigureAwait(false);
        var invoices = await store.ListInvoicesAsync(customerId, cancellationToken).ConfigureAwait(false);
        var notes = await store.ListCreditNotesAsync(customerId, cancellationToken).ConfigureAwait(false);
        return new CustomerLedger(customerId, Currency.Get(account.Currency), events, NetEventResolver.Resolve(events), invoices, notes);
    }

    /// <summary>
    /// The draft of a period: its own unbilled events, plus events that arrived after their own period's invoice was
    /// finalized, priced as what they add to that period and marked so on their lines.
    /// </summary>
    public async Task<Invoice> BuildDraftAsync(CustomerLedger ledger, BillingPeriod period, string invoiceId, CancellationToken cancellationToken)
    {
        var own = ledger.Net.Where(n => !n.Billed && !n.Voided && period.Contains(n.Timestamp)).ToList();
        var intervals = await IntervalsAsync(ledger.CustomerId, period, cancellationToken).ConfigureAwait(false);
        var rated = InvoiceRater.Rate(new RatingRequest(ledger.Currency.Code, period.Start, period.End, intervals, own.Select(n => Metered(n, ledger.Currency))));

        var lines = rated.Lines.Select((l, i) => new InvoiceLine(i + 1, l.ComponentId, l.Description, l.Metric, l.Quantity, l.UnitPrice, l.UnroundedAmount,
            l.Amount, TierJson.Serialize(l.Tiers), l.PlanId, l.PlanVersion)).ToList();
        var eventIds = own.SelectMany(n => n.SourceIds).ToList();
        var plans = intervals.Select(i => $"{i.Plan.Id}@{i.Plan.Version.ToString(CultureInfo.InvariantCulture)}").ToList();

        var late = ledger.Net
            .Where(n => !n.Billed && !n.Voided && n.Timestamp < period.Start)
            .Select(n => (Event: n, Invoice: ledger.FinalizedCovering(n.Timestamp)))
            .Where(x => x.Invoice is not null)
            .GroupBy(x => x.Invoice!.Id);
        foreach (var group in late)
        {
            var finalized = group.First().Invoice!;
            var added = group.Select(x => x.Event).ToList();
            var charged = ledger.Charged(finalized).ToList();
            var difference = await ContributionAsync(ledger, finalized, charged, [.. charged, .. added], cancellationToken).ConfigureAwait(false);
            var note = $"late usage of {new BillingPeriod(finalized.PeriodStart, finalized.PeriodEnd)}, after {finalized.DisplayNumber} was finalized";
            foreach (var d in difference)
            {
                lines.Add(new InvoiceLine(lines.Count + 1, d.Source.ComponentId, $"{d.Source.Description} ({note})", d.Source.Metric, d.Quantity,
                    d.Source.UnitPrice, d.UnroundedAmount, d.Amount, TierJson.Serialize(d.Source.Tiers), d.Source.PlanId, d.Source.PlanVersion, note));
            }

            eventIds.AddRange(added.SelectMany(n => n.SourceIds));
        }

        return new Invoice
        {
            Id = invoiceId,
            CustomerId = ledger.CustomerId,
            PeriodStart = period.Start,
            PeriodEnd = period.End,
            Currency = ledger.Currency.Code,
            PlanVersions = plans,
            Lines = lines,
            UnroundedTotal = lines.Sum(l => l.UnroundedAmount),
            Total = lines.Sum(l => l.Amount),
            EventIds = eventIds,
        };
    }

    /// <summary>
    /// The credit due for a usage event billed on a finalized invoice: the invoice's period re-rated with what
    /// stands charged, minus the same without the event.
    /// </summary>
    public async Task<IReadOnlyList<CreditNoteLine>> CreditLinesAsync(CustomerLedger ledger, Invoice finalized, NetEvent reversed, CancellationToken cancellationToken)
    {
        var others = ledger.Charged(finalized).Where(n => n.Id != reversed.Id).ToList();
        var difference = await ContributionAsync(ledger, finalized, others, [.. others, reversed], cancellationToken).ConfigureAwait(false);
        return difference.Select((d, i) => new CreditNoteLine(i + 1, d.Source.ComponentId, d.Source.Description, d.Source.Metric, d.Quantity, d.UnroundedAmount, d.Amount))
            .ToList();
    }

    private async Task<IReadOnlyList<RatedDifference.Line>> ContributionAsync(CustomerLedger ledger, Invoice finalized, IReadOnlyList<NetEvent> without,
        IReadOnlyList<NetEvent> with, CancellationToken cancellationToken)
    {
        var period = new BillingPeriod(finalized.PeriodStart, finalized.PeriodEnd);
        var intervals = await IntervalsAsync(ledger.CustomerId, period, cancellationToken).ConfigureAwait(false);
        var currency = Currency.Get(finalized.Currency);
        var withRated = InvoiceRater.Rate(new RatingRequest(currency.Code, period.Start, period.End, intervals, with.Select(n => Metered(n, currency))));
        var withoutRated = InvoiceRater.Rate(new RatingRequest(currency.Code, period.Start, period.End, intervals, without.Select(n => Metered(n, currency))));
        return RatedDifference.Between(withRated, withoutRated, currency);
    }

    /// <summary>The customer's subscriptions clipped to the period, each with its plan version.</summary>
    public async Task<IReadOnlyList<PlanInterval>> IntervalsAsync(string customerId, BillingPeriod period, CancellationToken cancellationToken)
    {
        var intervals = new List<PlanInterval>();
        foreach (var s in await store.ListSubscriptionsAsync(customerId, cancellationToken).ConfigureAwait(false))
        {
            var from = s.StartsAt > period.Start ? s.StartsAt : period.Start;
            var to = s.EndsAt is { } end && end < period.End ? end : period.End;
            if (from < to)
            {
                intervals.Add(new PlanInterval(await PlanAsync(s.PlanId, s.PlanVersion, cancellationToken).ConfigureAwait(false), from, to));
            }
        }

        return intervals;
    }

    private async Task<Plan> PlanAsync(string id, int version, CancellationToken cancellationToken)
    {
        if (!_plans.TryGetValue((id, version), out var plan))
        {
            var stored = await store.GetPlanAsync(id, version, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Plan {id} version {version} is not stored.");
            _plans[(id, version)] = plan = PlanJson.Deserialize(stored.Definition);
        }

        return plan;
    }

    private MeteredEvent Metered(NetEvent n, Currency currency) => new(
        n.Id,
        n.Usage.Metric,
        n.Quantity,
        // Keel records model cost in USD; the plan prices it in the customer's currency.
        n.Usage.Metric == BillableMetrics.ModelCost && n.Value is { } usd ? options.FromUsd(usd, currency.Code) : n.Value,
        n.Timestamp);

    public static string NewInvoiceId() => KeelIds.New("inv");

    /// <summary>
    /// True when a stored draft bills exactly what a fresh computation does: same currency, plan versions, lines and
    /// totals, and the same set of ledger entries. A draft that is not the same is stale and must be saved again
    /// before it is finalized.
    /// </summary>
    public static bool SameContent(Invoice stored, Invoice computed)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(computed);
        return stored.CustomerId == computed.CustomerId && stored.PeriodStart == computed.PeriodStart && stored.PeriodEnd == computed.PeriodEnd
            && string.Equals(stored.Currency, computed.Currency, StringComparison.Ordinal)
            && stored.PlanVersions.SequenceEqual(computed.PlanVersions, StringComparer.Ordinal)
            && stored.Total == computed.Total && stored.UnroundedTotal == computed.UnroundedTotal
            && stored.Lines.SequenceEqual(computed.Lines)
            && stored.EventIds.ToHashSet(StringComparer.Ordinal).SetEquals(computed.EventIds);
    }
}
