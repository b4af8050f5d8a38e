namespace Keel.Customers;

/// <summary>A conversation between an agent and an end user; it holds that user's tasks.</summary>
public sealed record Session(string Id, string CustomerId, DateTimeOffset CreatedAt);
