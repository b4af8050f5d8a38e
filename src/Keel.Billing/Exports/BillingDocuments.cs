using System.Text.Json;
using Keel.Billing.Currencies;
using Keel.Billing.Margins;

namespace Keel.Billing.Exports;

/// <summary>A stored plan version; <see cref="Definition"/> is the plan as <c>PlanJson</c> writes it.</summary>
public sealed record PlanDocument(string Id, int Version, string Name, string Currency, DateTimeOffset CreatedAt, JsonElement Definition)
{
    public static PlanDocument From(StoredPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        using var definition = JsonDocument.Parse(plan.Definition);
        return new PlanDocument(plan.PlanId, plan.Version, plan.Name, plan.Currency, plan.CreatedAt, definition.RootElement.Clone());
    }
}

public sealed record SubscriptionDocument(string Id, string Customer, string CustomerId, string Plan, int PlanVersion, DateTimeOffset StartsAt, DateTimeOffset? EndsAt)
{
    public static SubscriptionDocument From(Subscription subscription, string? customerName = null)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return new SubscriptionDocument(subscription.Id, customerName ?? subscription.CustomerId, subscription.CustomerId, subscription.PlanId,
            subscription.PlanVersion, subscription.StartsAt, subscription.EndsAt);
    }
}

/// <summary>One ledger entry. <see cref="Kind"/> is <c>usage</c>, <c>correction</c> or <c>void</c>.</summary>
public sealed record BillableEventDocument(
    string Id,
    string CustomerId,
    string IdempotencyKey,
    string Metric,
    decimal Quantity,
    decimal? Value,
    DateTimeOffset Timestamp,
    string Kind,
    string? TargetEventId,
    string? TaskId,
    string? Agent,
    DateTimeOffset ReceivedAt,
    string? InvoiceId)
{
    public static BillableEventDocument From(BillableEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new BillableEventDocument(e.Id, e.CustomerId, e.IdempotencyKey, e.Metric, e.Quantity, e.Value, e.Timestamp, KindName(e.Kind), e.TargetEventId,
            e.TaskId, e.Agent, e.ReceivedAt, e.InvoiceId);
    }

    public static string KindName(BillableEventKind kind) => kind switch
    {
        BillableEventKind.Usage => "usage",
        BillableEventKind.Correction => "correction",
        _ => "void",
    };
}

public sealed record CreditNoteLineDocument(int Seq, string Component, string Description, string Metric, decimal Quantity, decimal UnroundedAmount, decimal Amount);

/// <summary>A credit note; <see cref="SourceEventId"/> is the void that caused an automatic one (null when issued by hand).</summary>
public sealed record CreditNoteDocument(
    string Id,
    string Number,
    string CustomerId,
    string InvoiceId,
    string? SourceEventId,
    string Reason,
    string Currency,
    IReadOnlyList<CreditNoteLineDocument> Lines,
    decimal UnroundedTotal,
    decimal Total,
    DateTimeOffset CreatedAt)
{
    public static CreditNoteDocument From(CreditNote note)
    {
        ArgumentNullException.ThrowIfNull(note);
        var currency = Currencies.Currency.Get(note.Currency);
        return new CreditNoteDocument(note.Id, note.DisplayNumber, note.CustomerId, note.InvoiceId, note.SourceEventId, note.Reason, currency.Code,
            [.. note.Lines.Select(l => new CreditNoteLineDocument(l.Seq, l.ComponentId, l.Description, l.Metric, l.Quantity, l.UnroundedAmount, currency.Round(l.Amount)))],
            note.UnroundedTotal, currency.Round(note.Total), note.CreatedAt);
    }
}

/// <summary>Revenue against recorded cost for a customer, or one of its plans or agents; money in the customer's currency.</summary>
public sealed record MarginRowDocument(
    string Customer,
    string CustomerId,
    string? Plan,
    string? Agent,
    string Currency,
    decimal Revenue,
    decimal ModelCost,
    decimal ToolCost,
    decimal HumanCost,
    decimal Cost,
    decimal Margin,
    decimal? MarginPercent,
    long SuccessfulOutcomes,
    decimal? MarginPerSuccessfulOutcome)
{
    /// <summary>Revenue, cost and margin rounded to the currency's minor unit for display (the report keeps them exact).</summary>
    public static MarginRowDocument From(MarginRow row, string? customerName = null)
    {
        ArgumentNullException.ThrowIfNull(row);
        var currency = Currencies.Currency.Get(row.Currency);
        return new MarginRowDocument(customerName ?? row.CustomerId, row.CustomerId, row.PlanId, row.Agent, currency.Code,
            currency.Round(row.Revenue), currency.Round(row.ModelCost), currency.Round(row.ToolCost), currency.Round(row.HumanCost), currency.Round(row.Cost),
            currency.Round(row.Margin), row.MarginPercent is { } p ? decimal.Round(p, 1, MidpointRounding.AwayFromZero) : null, row.SuccessfulOutcomes,
            row.MarginPerSuccessfulOutcome is { } m ? currency.Round(m) : null);
    }
}

/// <summary>A margin report: the period and its rows per customer, per plan and per agent.</summary>
public sealed record MarginDocument(
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<MarginRowDocument> ByCustomer,
    IReadOnlyList<MarginRowDocument> ByPlan,
    IReadOnlyList<MarginRowDocument> ByAgent)
{
    /// <param name="names">Customer names by id, when known.</param>
    public static MarginDocument Create(MarginReport report, IReadOnlyDictionary<string, string>? names = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        string? Name(string id) => names is not null && names.TryGetValue(id, out var name) ? name : null;
        return new MarginDocument(report.Period.Start, report.Period.End,
            [.. report.ByCustomer.Select(r => MarginRowDocument.From(r, Name(r.CustomerId)))],
            [.. report.ByPlan.Select(r => MarginRowDocument.From(r, Name(r.CustomerId)))],
            [.. report.ByAgent.Select(r => MarginRowDocument.From(r, Name(r.CustomerId)))]);
    }
}
