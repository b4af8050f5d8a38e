using Keel.Access;
using Xunit;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task An_api_key_is_found_by_its_secrets_hash_and_never_stores_the_secret()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var (key, secret) = ApiKeySecrets.Create(customer.Id, "ci", StoreSamples.Epoch);

        await Store.CreateApiKeyAsync(key, Ct);

        var found = await Store.FindApiKeyAsync(ApiKeySecrets.Hash(secret), Ct);
        Assert.Equal(key.Id, found!.Id);
        Assert.Equal(customer.Id, found.CustomerId);
        Assert.DoesNotContain(await Store.ListApiKeysAsync(Ct), k => k.SecretHash == secret || k.Prefix == secret);
        Assert.Null(await Store.FindApiKeyAsync(ApiKeySecrets.Hash(secret + "x"), Ct));
    }

    [Fact]
    public async Task A_revoked_key_is_not_found()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var (key, secret) = ApiKeySecrets.Create(customer.Id, null, StoreSamples.Epoch);

        await Store.CreateApiKeyAsync(key with { RevokedAt = StoreSamples.At(1) }, Ct);

        Assert.Null(await Store.FindApiKeyAsync(ApiKeySecrets.Hash(secret), Ct));
    }

    [Fact]
    public async Task EnsureSessionAsync_CreatesOnceAndKeepsTheFirstOwner()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var globex = await Store.EnsureCustomerAsync("globex", Ct);

        var first = await Store.EnsureSessionAsync("sess_shared", acme.Id, Ct);
        var second = await Store.EnsureSessionAsync("sess_shared", globex.Id, Ct);

        Assert.Equal(acme.Id, first.CustomerId);
        Assert.Equal(acme.Id, second.CustomerId);
    }

    [Fact]
    public async Task FindCustomerAsync_FindsByIdOrName()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);

        Assert.Equal(acme, await Store.FindCustomerAsync("acme", Ct));
        Assert.Equal(acme, await Store.FindCustomerAsync(acme.Id, Ct));
        Assert.Null(await Store.FindCustomerAsync("nobody", Ct));
    }
}
