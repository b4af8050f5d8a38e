using System.Collections.Concurrent;
using Keel.Storage;

namespace Keel.Server.Access;

/// <summary>Sessions clients name in headers: created on first use, owned by the customer who first used them.</summary>
public sealed class SessionDirectory(IKeelStore store)
{
    private readonly ConcurrentDictionary<string, string> _owners = new(StringComparer.Ordinal);

    /// <summary>True when <paramref name="customerId"/> may use the session (creating it if it is new).</summary>
    public async ValueTask<bool> AdmitAsync(string sessionId, string customerId, CancellationToken cancellationToken)
    {
        if (!_owners.TryGetValue(sessionId, out var owner))
        {
            owner = (await store.EnsureSessionAsync(sessionId, customerId, cancellationToken).ConfigureAwait(false)).CustomerId;
            if (_owners.Count > 100_000)
            {
                _owners.Clear(); // bounded memory; a forgotten session's owner is read again from the store
            }

            _owners[sessionId] = owner;
        }

        return owner == customerId;
    }
}
