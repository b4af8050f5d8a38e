namespace Keel.Customers;

/// <summary>The tenant: every task, trace and usage event belongs to exactly one customer.</summary>
public sealed record Customer(string Id, string Name, DateTimeOffset CreatedAt);
