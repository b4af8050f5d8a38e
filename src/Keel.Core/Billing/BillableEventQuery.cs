namespace Keel.Billing;

/// <summary>Which ledger entries to read; every query is scoped to one customer.</summary>
/// <param name="From">Inclusive lower bound on <see cref="BillableEvent.Timestamp"/>, if any.</param>
/// <param name="To">Exclusive upper bound on <see cref="BillableEvent.Timestamp"/>, if any.</param>
/// <param name="TaskIds">Only the entries of these tasks, if given.</param>
public sealed record BillableEventQuery(string CustomerId, DateTimeOffset? From = null, DateTimeOffset? To = null, IReadOnlyCollection<string>? TaskIds = null);
