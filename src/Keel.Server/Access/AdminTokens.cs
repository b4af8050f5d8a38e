using System.Security.Cryptography;
using Keel.Access;
using Keel.Storage;

namespace Keel.Server.Access;

/// <summary>
/// The admin token: the one secret that sees every customer's data in the dashboard. It is made on the first start of
/// a server on a database, shown once, and stored as its SHA-256 only (256 random bits make a slow hash pointless, as
/// for API keys).
/// </summary>
public static class AdminTokens
{
    public const string SecretPrefix = "keel_admin_";

    /// <summary>Makes the database's admin token if it has none (or a new one when <paramref name="replace"/>).</summary>
    /// <returns>The new secret, to show once; null when the database already had a token and keeps it.</returns>
    public static async ValueTask<string?> EnsureAsync(IKeelStore store, bool replace, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!replace && await store.GetAdminTokenHashAsync(cancellationToken).ConfigureAwait(false) is not null)
        {
            return null;
        }

        var secret = New();
        // Without replace, a server that started on the same new database a moment earlier may have won: then its
        // token is the one, and ours must not be shown.
        return await store.SetAdminTokenHashAsync(ApiKeySecrets.Hash(secret), replace, cancellationToken).ConfigureAwait(false) ? secret : null;
    }

    public static string New() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>True when <paramref name="secret"/> hashes to <paramref name="storedHash"/>, compared in constant time.</summary>
    public static bool Matches(string secret, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(ApiKeySecrets.Hash(secret)),
            System.Text.Encoding.ASCII.GetBytes(storedHash));
}
