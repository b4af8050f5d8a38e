namespace Keel.Access;

/// <summary>
/// A virtual API key: what a client presents to the gateway. Only the SHA-256 of the secret is stored; the
/// secret itself is shown once, when the key is created.
/// </summary>
public sealed record ApiKey
{
    public required string Id { get; init; }
    public required string CustomerId { get; init; }

    /// <summary>Lower-case hex SHA-256 of the secret.</summary>
    public required string SecretHash { get; init; }

    /// <summary>The first characters of the secret, so a person can tell keys apart without seeing them.</summary>
    public required string Prefix { get; init; }

    public string? Name { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
}
