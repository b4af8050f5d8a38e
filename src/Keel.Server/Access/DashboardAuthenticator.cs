using Keel.Server.Gateway;
using Keel.Server.Hosting;
using Keel.Server.Wire;
using Keel.Storage;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Access;

/// <summary>
/// Decides who a dashboard API request comes from: the admin token sees everything, a customer's API key sees only its
/// customer's data, and with <c>--insecure-local</c> a request without a token is let in. Anything else is a 401.
/// </summary>
public sealed class DashboardAuthenticator(IKeelStore store, ApiKeyAuthenticator keys, KeelServerOptions options, TimeProvider time)
{
    /// <summary>How long the stored hash is trusted: bounds how long a token another server replaced keeps working here.</summary>
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    private CachedHash? _admin;

    /// <summary>The caller, or null after answering 401 in OpenAI's error shape.</summary>
    public async ValueTask<DashboardCaller?> AuthenticateOrRefuseAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        string? authorization = http.Request.Headers.Authorization;
        if (string.IsNullOrEmpty(authorization))
        {
            if (options.InsecureLocal)
            {
                return DashboardCaller.InsecureLocal;
            }

            await GatewayResponses.WriteErrorAsync(http, Unauthorized(
                "The dashboard's API needs 'Authorization: Bearer TOKEN': the admin token `keel serve` printed when it first started on this database "
                + "(`keel serve --new-admin-token` makes a new one), or a customer's API key (`keel keys create --customer NAME`), which sees only that customer's data.")).ConfigureAwait(false);
            return null;
        }

        var caller = await AuthenticateAsync(authorization, http.RequestAborted).ConfigureAwait(false);
        if (caller is null)
        {
            // A wrong token is refused even with --insecure-local: the caller asked to be someone, and is not.
            await GatewayResponses.WriteErrorAsync(http, Unauthorized(
                "That token is neither this server's admin token nor a live API key. The admin token starts with 'keel_admin_' "
                + "(`keel serve --new-admin-token` makes a new one); API keys start with 'keel_sk_'.")).ConfigureAwait(false);
        }

        return caller;
    }

    /// <summary>The caller an <c>Authorization</c> header value names, or null when it names no one.</summary>
    public async ValueTask<DashboardCaller?> AuthenticateAsync(string authorization, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorization);
        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var secret = authorization[7..].Trim();
        if (secret.StartsWith(AdminTokens.SecretPrefix, StringComparison.Ordinal))
        {
            var hash = await AdminHashAsync(cancellationToken).ConfigureAwait(false);
            return hash is not null && AdminTokens.Matches(secret, hash) ? DashboardCaller.Admin : null;
        }

        var key = await keys.AuthenticateAsync(authorization, cancellationToken).ConfigureAwait(false);
        return key is null ? null : DashboardCaller.Customer(key.CustomerId);
    }

    /// <summary>Forgets the cached hash, so a token just replaced in this process takes effect at once.</summary>
    public void Forget() => _admin = null;

    private async ValueTask<string?> AdminHashAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_admin is { } cached && cached.Until > now)
        {
            return cached.Hash;
        }

        var hash = await store.GetAdminTokenHashAsync(cancellationToken).ConfigureAwait(false);
        _admin = new CachedHash(hash, now + CacheFor);
        return hash;
    }

    private sealed record CachedHash(string? Hash, DateTimeOffset Until);

    private static OpenAiError Unauthorized(string message) => new(401, message, "invalid_request_error", "invalid_api_key");
}
