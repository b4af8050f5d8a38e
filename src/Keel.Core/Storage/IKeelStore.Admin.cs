namespace Keel.Storage;

/// <summary>
/// The server's admin token, which guards the dashboard and its API. Only the SHA-256 of the secret is stored (as for
/// API keys): the secret is shown once, when it is made.
/// </summary>
public partial interface IKeelStore
{
    /// <summary>The hash of the admin token; null until a server made one.</summary>
    ValueTask<string?> GetAdminTokenHashAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the hash of a new admin token. Without <paramref name="replace"/> only when there is none yet, so two
    /// servers starting on a new database at once cannot each print a token of their own: the one that returns false
    /// lost, and must not show its secret. With it, the old token stops working.
    /// </summary>
    /// <returns>True when the hash was stored.</returns>
    ValueTask<bool> SetAdminTokenHashAsync(string secretHash, bool replace, CancellationToken cancellationToken = default);
}
