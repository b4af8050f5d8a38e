using Keel.Server.Wire;
using Keel.Storage;

namespace Keel.Server.Access;

/// <summary>
/// Resolves a customer a request names (by name or id) as the caller may see it: another customer's name is
/// treated exactly like one that does not exist, so a key learns nothing about other tenants.
/// </summary>
public static class VisibleCustomers
{
    /// <summary>The id of the customer named, or null when there is none this caller may see.</summary>
    public static async ValueTask<string?> FindVisibleCustomerIdAsync(this IKeelStore store, DashboardCaller caller, string named, CancellationToken cancellationToken = default)
    {
        var found = await store.FindCustomerAsync(named, cancellationToken).ConfigureAwait(false);
        return found is not null && caller.CanSee(found.Id) ? found.Id : null;
    }

    /// <summary>The 404 answer for a customer this caller may not see (or that does not exist).</summary>
    public static OpenAiError NotFound(DashboardCaller caller, string named) =>
        OpenAiError.NotFound(caller.CustomerId is null ? $"No customer '{named}'." : $"No customer '{named}' for this API key.");
}
