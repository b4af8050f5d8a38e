using Keel.Billing.Invoicing;
using Keel.Billing.Ledger;
using Keel.Billing.Plans;
using Keel.Storage;

namespace Keel.Billing.Margins;

/// <summary>
/// Puts revenue next to cost. Revenue of a line is attributed to agents by the line's events (their quantity, or
/// their value for value metrics); lines without events (flat fees, minimum top-ups, caps) follow the invoice's
/// event-attributed revenue. Cost per plan is the usage recorded while the plan was subscribed.
/// </summary>
internal sealed class MarginCalculator(IKeelStore store, InvoiceComputer computer, BillingOptions options)
{
    private const string NoAgent = "(none)";

    public async Task<MarginReport> ComputeAsync(BillingPeriod period, string? customerId, CancellationToken cancellationToken)
    {
        var accounts = await store.ListBillingAccountsAsync(cancellationToken).ConfigureAwait(false);
        var byCustomer = new List<MarginRow>();
        var byPlan = new List<MarginRow>();
        var byAgent = new List<MarginRow>();
        foreach (var account in accounts.Where(a => customerId is null || a.CustomerId == customerId))
        {
            var ledger = await computer.ReadLedgerAsync(account.CustomerId, cancellationToken).ConfigureAwait(false);
            var currency = ledger.Currency.Code;
            var revenue = Revenue(ledger, period);
            var outcomes = ledger.Net.Where(n => !n.Voided && n.Usage.Metric == BillableMetrics.OutcomeSuccess && period.Contains(n.Timestamp)).ToList();

            var costs = await store.BillingCostsAsync(period.Start, period.End, account.CustomerId, cancellationToken).ConfigureAwait(false);
            byCustomer.Add(Row(account.CustomerId, null, null, currency, revenue.Sum(r => r.Amount), costs, outcomes.Count));
            foreach (var agent in revenue.Select(r => r.Agent).Concat(costs.Select(c => c.Agent)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                byAgent.Add(Row(account.CustomerId, null, agent, currency, revenue.Where(r => r.Agent == agent).Sum(r => r.Amount),
                    costs.Where(c => c.Agent == agent), outcomes.Count(o => (o.Usage.Agent ?? NoAgent) == agent)));
            }

            var intervals = await computer.IntervalsAsync(account.CustomerId, period, cancellationToken).ConfigureAwait(false);
            foreach (var plan in intervals.GroupBy(i => i.Plan.Id, StringComparer.Ordinal))
            {
                var planCosts = new List<BillingCostRow>();
                foreach (var interval in plan)
                {
                    planCosts.AddRange(await store.BillingCostsAsync(interval.From, interval.To, account.CustomerId, cancellationToken).ConfigureAwait(false));
                }

                byPlan.Add(Row(account.CustomerId, plan.Key, null, currency, revenue.Where(r => r.PlanId == plan.Key).Sum(r => r.Amount), planCosts,
                    outcomes.Count(o => plan.Any(i => o.Timestamp >= i.From && o.Timestamp < i.To))));
            }
        }

        return new MarginReport(period, byCustomer, byPlan, byAgent);
    }

    private MarginRow Row(string customerId, string? planId, string? agent, string currency, decimal revenue, IEnumerable<BillingCostRow> costs, long outcomes)
    {
        var list = costs.ToList();
        return new MarginRow(customerId, planId, agent, currency, revenue,
            options.FromUsd(list.Sum(c => c.ModelUsd), currency), options.FromUsd(list.Sum(c => c.ToolUsd), currency),
            options.FromUsd(list.Sum(c => c.HumanUsd), currency), outcomes);
    }

    private static List<(string PlanId, string Agent, decimal Amount)> Revenue(CustomerLedger ledger, BillingPeriod period)
    {
        var net = ledger.Net.ToDictionary(n => n.Id, StringComparer.Ordinal);
        var revenue = new List<(string PlanId, string Agent, decimal Amount)>();
        var invoices = ledger.Invoices.Where(i => i.Status != InvoiceStatus.Void && period.Contains(i.PeriodStart)).ToList();
        foreach (var invoice in invoices)
        {
            var events = invoice.EventIds.Where(net.ContainsKey).Select(id => net[id]).ToList();
            var attributed = new List<(string PlanId, string Agent, decimal Amount)>();
            var unattributed = new List<(string PlanId, decimal Amount)>();
            foreach (var line in invoice.Lines)
            {
                var shares = Shares(events.Where(e => e.Usage.Metric == line.Metric && line.Metric.Length > 0));
                if (shares.Count == 0)
                {
                    unattributed.Add((line.PlanId, line.Amount));
                    continue;
                }

                var weight = shares.Values.Sum();
                attributed.AddRange(shares.Select(s => (line.PlanId, s.Key, line.Amount * s.Value / weight)));
            }

            revenue.AddRange(attributed);
            revenue.AddRange(Spread(unattributed, attributed));

            foreach (var note in ledger.CreditNotes.Where(n => n.InvoiceId == invoice.Id))
            {
                var target = note.SourceEventId is { } source ? ledger.Events.FirstOrDefault(e => e.Id == source)?.TargetEventId : null;
                var planId = invoice.Lines.FirstOrDefault(l => note.Lines.Any(c => c.ComponentId == l.ComponentId))?.PlanId ?? (invoice.Lines.Count > 0 ? invoice.Lines[0].PlanId : "");
                if (target is not null && net.TryGetValue(target, out var reversed))
                {
                    revenue.Add((planId, reversed.Usage.Agent ?? NoAgent, -note.Total));
                }
                else
                {
                    revenue.AddRange(Spread([(planId, -note.Total)], attributed));
                }
            }
        }

        return revenue;
    }

    // Lines that no event explains follow the invoice's event-attributed revenue; with none, they stay unattributed.
    private static IEnumerable<(string PlanId, string Agent, decimal Amount)> Spread(List<(string PlanId, decimal Amount)> amounts, List<(string PlanId, string Agent, decimal Amount)> attributed)
    {
        var total = attributed.Sum(a => a.Amount);
        var byAgent = attributed.GroupBy(a => a.Agent, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(a => a.Amount), StringComparer.Ordinal);
        foreach (var (planId, amount) in amounts)
        {
            if (total == 0)
            {
                yield return (planId, NoAgent, amount);
                continue;
            }

            foreach (var (agent, share) in byAgent)
            {
                yield return (planId, agent, amount * share / total);
            }
        }
    }

    // Each agent's weight in a line (multiplied before dividing, so even splits stay exact).
    private static Dictionary<string, decimal> Shares(IEnumerable<NetEvent> events)
    {
        var weights = events.GroupBy(e => e.Usage.Agent ?? NoAgent, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(e => BillableMetrics.IsValueMetric(e.Usage.Metric) ? Math.Abs(e.Value ?? 0) : Math.Abs(e.Quantity)), StringComparer.Ordinal);
        return weights.Values.Sum() == 0 ? [] : weights;
    }
}
