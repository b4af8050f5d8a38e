namespace Keel.Billing;

/// <summary>
/// One version of a plan as the store keeps it: the definition is opaque JSON (Keel.Billing owns its shape), so
/// the store never needs to change when pricing forms do. A version is written once and never edited.
/// </summary>
public sealed record StoredPlan(string PlanId, int Version, string Name, string Currency, string Definition, DateTimeOffset CreatedAt);
