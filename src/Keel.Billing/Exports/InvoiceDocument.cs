using Keel.Billing.Currencies;
using Keel.Billing.Rating;

namespace Keel.Billing.Exports;

/// <summary>
/// An invoice as Keel's interfaces show it (REST, <c>keel billing ... --json</c>, the JSON and CSV exports): one
/// shape everywhere, money written with exactly the currency's minor units (USD 12.50, JPY 1250, KWD 1.250).
/// </summary>
/// <param name="Customer">The customer's name (its id when it has none), as people read invoices.</param>
/// <param name="Number">The gapless number (<c>INV-000042</c>) once finalized; null on drafts.</param>
/// <param name="Status"><c>draft</c>, <c>finalized</c> or <c>void</c>.</param>
/// <param name="MinorUnits">Decimals of the currency, so a reader can format amounts without an ISO 4217 table.</param>
public sealed record InvoiceDocument(
    string Id,
    string? Number,
    string Customer,
    string CustomerId,
    string Status,
    string Currency,
    int MinorUnits,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    IReadOnlyList<string> PlanVersions,
    IReadOnlyList<InvoiceLineDocument> Lines,
    decimal UnroundedTotal,
    decimal Total,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinalizedAt,
    DateTimeOffset? VoidedAt)
{
    /// <param name="customerName">The customer's name, when the caller knows it.</param>
    public static InvoiceDocument From(Invoice invoice, string? customerName = null)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var currency = Currencies.Currency.Get(invoice.Currency);
        return new InvoiceDocument(
            invoice.Id,
            invoice.DisplayNumber,
            customerName ?? invoice.CustomerId,
            invoice.CustomerId,
            StatusName(invoice.Status),
            currency.Code,
            currency.MinorUnits,
            invoice.PeriodStart,
            invoice.PeriodEnd,
            invoice.PlanVersions,
            [.. invoice.Lines.Select(l => InvoiceLineDocument.From(l, currency))],
            invoice.UnroundedTotal,
            currency.Round(invoice.Total),
            invoice.CreatedAt,
            invoice.UpdatedAt,
            invoice.FinalizedAt,
            invoice.VoidedAt);
    }

    public static string StatusName(InvoiceStatus status) => status switch
    {
        InvoiceStatus.Draft => "draft",
        InvoiceStatus.Finalized => "finalized",
        _ => "void",
    };
}

/// <summary>One invoice line: quantity, unit price (when one price applies), the tiers applied, and the amount both unrounded and rounded once.</summary>
/// <param name="Component">The plan component (or <c>minimum_commitment</c> / <c>maximum_charge</c>).</param>
/// <param name="Note">Why the line is there when it is not plain usage of the period (late usage of a finalized period).</param>
public sealed record InvoiceLineDocument(
    int Seq,
    string Component,
    string Description,
    string Metric,
    decimal Quantity,
    decimal? UnitPrice,
    IReadOnlyList<AppliedTier> Tiers,
    decimal UnroundedAmount,
    decimal Amount,
    string Plan,
    int PlanVersion,
    string? Note)
{
    public static InvoiceLineDocument From(InvoiceLine line, Currency currency)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(currency);
        return new InvoiceLineDocument(line.Seq, line.ComponentId, line.Description, line.Metric, line.Quantity, line.UnitPrice, AppliedTiers.Parse(line.Tiers),
            line.UnroundedAmount, currency.Round(line.Amount), line.PlanId, line.PlanVersion, line.Note);
    }
}
