namespace Keel.Server.Access;

/// <summary>
/// The admin token this start of the server made, in clear, for its host to show once (the store keeps only its
/// hash); <see cref="Secret"/> is null when the database already had one.
/// </summary>
public sealed record IssuedAdminToken(string? Secret);
