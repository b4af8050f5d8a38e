using Keel.Billing.Plans;

namespace Keel.Billing.Rating;

/// <summary>
/// The plan a customer was on for part or all of a billing period, half-open: <see cref="From"/> inclusive,
/// <see cref="To"/> exclusive. A mid-period plan change gives two intervals; a cancellation ends the last one early.
/// </summary>
public sealed record PlanInterval(Plan Plan, DateTimeOffset From, DateTimeOffset To);
