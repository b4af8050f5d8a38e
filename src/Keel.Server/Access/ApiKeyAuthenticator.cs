using System.Collections.Concurrent;
using Keel.Access;
using Keel.Server.Gateway;
using Keel.Server.Wire;
using Keel.Storage;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Access;

/// <summary>
/// Resolves a bearer secret to its key. Hits are cached briefly so the hot path does not read the database per
/// request; the short lifetime bounds how long a revoked key keeps working.
/// </summary>
public sealed class ApiKeyAuthenticator(IKeelStore store, TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, (ApiKey? Key, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    /// <summary>
    /// The request's key; or, when it has none or an unknown one, null after answering 401 in OpenAI's shape.
    /// Every authenticated endpoint starts here.
    /// </summary>
    public async ValueTask<ApiKey?> AuthenticateOrRefuseAsync(HttpContext http)
    {
        var authorization = http.Request.Headers.Authorization;
        var key = await AuthenticateAsync(authorization, http.RequestAborted).ConfigureAwait(false);
        if (key is null)
        {
            await GatewayResponses.WriteErrorAsync(http, authorization.Count == 0 ? OpenAiError.MissingKey() : OpenAiError.BadKey()).ConfigureAwait(false);
        }

        return key;
    }

    /// <summary>The key for an <c>Authorization</c> header value, or null when it is missing or unknown.</summary>
    public async ValueTask<ApiKey?> AuthenticateAsync(string? authorization, CancellationToken cancellationToken)
    {
        if (authorization is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var secret = authorization[7..].Trim();
        if (!secret.StartsWith(ApiKeySecrets.SecretPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (_cache.TryGetValue(secret, out var cached) && cached.Until > now)
        {
            return cached.Key;
        }

        var key = await store.FindApiKeyAsync(ApiKeySecrets.Hash(secret), cancellationToken).ConfigureAwait(false);
        if (_cache.Count > 10_000)
        {
            _cache.Clear(); // a flood of random secrets must not grow memory without bound
        }

        _cache[secret] = (key, now + CacheFor);
        return key;
    }
}
