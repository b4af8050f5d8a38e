using Keel.Memory;
using Xunit;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task MemoryRetention_AppliedForOneCustomer_LeavesOtherCustomersPoliciesUnapplied()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var globex = await Store.EnsureCustomerAsync("globex", Ct);
        var written = await Store.AddMemoriesAsync(
        [
            Remember(new MemoryScope(acme.Id, "u_1"), "acme memory"),
            Remember(new MemoryScope(globex.Id, "u_1"), "globex memory"),
        ], Ct);
        await Store.SetMemoryRetentionAsync(new MemoryRetention(new MemoryScope(acme.Id), TimeSpan.FromDays(7)), Ct);
        await Store.SetMemoryRetentionAsync(new MemoryRetention(new MemoryScope(globex.Id), TimeSpan.FromDays(7)), Ct);
        var later = DateTimeOffset.UtcNow.AddDays(8);

        Assert.Equal([written[0].Memory.Key], await Store.ApplyMemoryRetentionAsync(acme.Id, later, Ct));
        Assert.Empty(await Store.ApplyMemoryRetentionAsync(acme.Id, later, Ct));
        Assert.Equal(1, await Store.CountMemoriesAsync(new MemoryFilter(new MemoryScope(globex.Id)), Ct));

        Assert.Equal([written[1].Memory.Key], await Store.ApplyMemoryRetentionAsync(later, Ct)); // the global apply still sees globex's
    }
}
