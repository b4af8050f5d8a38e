namespace Keel.Billing;

/// <summary>
/// One invoice line. <see cref="Amount"/> is <see cref="UnroundedAmount"/> rounded once to the currency's minor
/// unit; both are kept so a total can be explained to the last digit.
/// </summary>
/// <param name="Tiers">The tiers applied, as JSON (opaque to the store).</param>
/// <param name="Note">Why the line is there when it is not plain usage of the period (late usage of a finalized period).</param>
public sealed record InvoiceLine(
    int Seq,
    string ComponentId,
    string Description,
    string Metric,
    decimal Quantity,
    decimal? UnitPrice,
    decimal UnroundedAmount,
    decimal Amount,
    string Tiers,
    string PlanId,
    int PlanVersion,
    string? Note = null);
