using System.Collections.Concurrent;
using Keel.Storage;

namespace Keel.Server.Dashboard.Api;

/// <summary>Customers' names by id, for listings. Names never change, so each is read once.</summary>
public sealed class CustomerNames(IKeelStore store)
{
    private readonly ConcurrentDictionary<string, string> _names = new(StringComparer.Ordinal);

    public async ValueTask<string?> NameAsync(string customerId, CancellationToken cancellationToken)
    {
        if (_names.TryGetValue(customerId, out var name))
        {
            return name;
        }

        var customer = await store.FindCustomerAsync(customerId, cancellationToken).ConfigureAwait(false);
        if (customer is null || customer.Id != customerId)
        {
            return null;
        }

        if (_names.Count > 100_000)
        {
            _names.Clear(); // bounded memory: a forgotten name is read again
        }

        _names[customerId] = customer.Name;
        return customer.Name;
    }

    /// <summary>Names of every customer of <paramref name="customerIds"/> (those found), one read per customer not yet known.</summary>
    public async ValueTask<IReadOnlyDictionary<string, string>> NamesAsync(IEnumerable<string> customerIds, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var id in customerIds.Distinct(StringComparer.Ordinal))
        {
            if (await NameAsync(id, cancellationToken).ConfigureAwait(false) is { } name)
            {
                names[id] = name;
            }
        }

        return names;
    }
}
