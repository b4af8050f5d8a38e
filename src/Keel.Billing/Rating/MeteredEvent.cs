namespace Keel.Billing.Rating;

/// <summary>
/// One billable event as the rater sees it: already deduplicated and net of corrections and voids (the events
/// ledger resolves those), so the rater only aggregates.
/// </summary>
/// <param name="Quantity">Units counted (1 for one task or one outcome).</param>
/// <param name="Value">Money or value the event carries (an outcome's value, a model cost), summed by value metrics.</param>
/// <param name="Timestamp">When it happened; picks the plan interval that prices it.</param>
public sealed record MeteredEvent(string EventId, string Metric, decimal Quantity, decimal? Value, DateTimeOffset Timestamp);
