using Keel.Billing.Plans;

namespace Keel.Billing.Rating;

/// <summary>
/// Everything needed to price one customer's period: the rater reads nothing else, so the same request always
/// gives the same invoice (a draft can be recomputed at any time).
/// </summary>
/// <param name="Currency">ISO 4217 code; every plan must be priced in it.</param>
/// <param name="PeriodStart">Inclusive.</param>
/// <param name="PeriodEnd">Exclusive.</param>
/// <param name="Plans">Non-overlapping plan intervals (clipped to the period); any order.</param>
/// <param name="Events">Enumerated once; events outside every interval are not rated (see <see cref="RatedInvoice.UnratedEventIds"/>).</param>
public sealed record RatingRequest(
    string Currency,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    IReadOnlyList<PlanInterval> Plans,
    IEnumerable<MeteredEvent> Events);
