namespace Keel.Billing;

/// <summary>
/// A customer on one plan version over a half-open interval. A plan change ends the current subscription and
/// starts the next at the same instant, so each moment has at most one plan; a cancellation sets <see cref="EndsAt"/>.
/// </summary>
public sealed record Subscription(string Id, string CustomerId, string PlanId, int PlanVersion, DateTimeOffset StartsAt, DateTimeOffset? EndsAt);
