namespace Keel.Billing;

/// <summary>A customer that is billed, and the ISO 4217 currency its invoices are issued in.</summary>
public sealed record BillingAccount(string CustomerId, string Currency, DateTimeOffset CreatedAt);
