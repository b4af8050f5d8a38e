using System.CommandLine;
using Keel.Storage;

namespace Keel.Cli.Commands;

/// <summary>The customer whose memory a local command (`keel memory`, `keel mcp`) works on.</summary>
internal static class MemoryCustomer
{
    public const string Default = "default";

    public static Option<string> Option() => new("--customer")
    {
        Description = $"The customer (name or id) whose memory this is (default: $KEEL_CUSTOMER, else '{Default}').",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("KEEL_CUSTOMER") is { Length: > 0 } fromEnv ? fromEnv : Default,
        HelpName = "NAME",
    };

    /// <exception cref="StoreException">Reading, and no such customer.</exception>
    public static async Task<string> ResolveAsync(IKeelStore store, string customer, bool create, CancellationToken cancellationToken)
    {
        if (await store.FindCustomerAsync(customer, cancellationToken).ConfigureAwait(false) is { } found)
        {
            return found.Id;
        }

        if (!create)
        {
            throw new StoreException($"No customer '{customer}' in this database (`keel memory add --customer {customer} ...` creates it).");
        }

        return (await store.EnsureCustomerAsync(customer, cancellationToken).ConfigureAwait(false)).Id;
    }
}
