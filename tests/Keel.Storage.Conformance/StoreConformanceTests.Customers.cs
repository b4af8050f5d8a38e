using Xunit;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task EnsureCustomerAsync_SameNameTwice_ReturnsSameCustomer()
    {
        var first = await Store.EnsureCustomerAsync("acme", Ct);
        var second = await Store.EnsureCustomerAsync("acme", Ct);

        Assert.Equal("acme", first.Name);
        Assert.False(string.IsNullOrEmpty(first.Id));
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(first.CreatedAt, second.CreatedAt);
    }

    [Fact]
    public async Task EnsureCustomerAsync_DifferentNames_ReturnsDifferentCustomers()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var globex = await Store.EnsureCustomerAsync("globex", Ct);

        Assert.NotEqual(acme.Id, globex.Id);
        Assert.Equal("globex", globex.Name);
    }

    [Fact]
    public async Task CreateSessionAsync_ForCustomer_SessionCanHoldATask()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var session = await Store.CreateSessionAsync(customer.Id, Ct);
        var task = StoreSamples.NewTask(customer.Id) with { SessionId = session.Id };

        await Store.CreateTaskAsync(task, Ct);

        Assert.Equal(customer.Id, session.CustomerId);
        Assert.Equal(session.Id, (await Store.FindTaskAsync(task.Id, Ct))?.SessionId);
    }
}
