using Keel.Tasks;
using Xunit;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task FindTaskAsync_FullId_ReturnsTaskAsCreated()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id, createdAtMs: 42) with { Status = AgentTaskStatus.Pending, StartedAt = null };
        await Store.CreateTaskAsync(task, Ct);

        var found = await Store.FindTaskAsync(task.Id, Ct);

        Assert.Equal(task, found);
    }

    [Fact]
    public async Task FindTaskAsync_UniquePrefix_ReturnsThatTask()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        await Store.CreateTaskAsync(StoreSamples.NewTask(customer.Id, id: "task_0123aaaa0000"), Ct);
        await Store.CreateTaskAsync(StoreSamples.NewTask(customer.Id, id: "task_0123bbbb0000"), Ct);

        var found = await Store.FindTaskAsync("task_0123b", Ct);

        Assert.Equal("task_0123bbbb0000", found?.Id);
    }

    [Fact]
    public async Task FindTaskAsync_PrefixOfTwoTasks_ThrowsAmbiguousTaskIdException()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        await Store.CreateTaskAsync(StoreSamples.NewTask(customer.Id, id: "task_0123aaaa0000"), Ct);
        await Store.CreateTaskAsync(StoreSamples.NewTask(customer.Id, id: "task_0123bbbb0000"), Ct);

        var ex = await Assert.ThrowsAsync<AmbiguousTaskIdException>(() => Store.FindTaskAsync("task_0123", Ct).AsTask());

        Assert.Equal("task_0123", ex.Prefix);
    }

    [Fact]
    public async Task FindTaskAsync_FullIdThatPrefixesAnother_ReturnsExactMatch()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        await Store.CreateTaskAsync(StoreSamples.NewTask(customer.Id, id: "task_abc"), Ct);
        await Store.CreateTaskAsync(StoreSamples.NewTask(customer.Id, id: "task_abcdef"), Ct);

        var found = await Store.FindTaskAsync("task_abc", Ct);

        Assert.Equal("task_abc", found?.Id);
    }

    [Fact]
    public async Task FindTaskAsync_UnknownId_ReturnsNull()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        await Store.CreateTaskAsync(StoreSamples.NewTask(customer.Id), Ct);

        Assert.Null(await Store.FindTaskAsync(KeelIds.NewTaskId(), Ct));
        Assert.Null(await Store.FindTaskAsync("task_zzz", Ct));
    }

    [Fact]
    public async Task GetTaskSummaryAsync_UnknownId_ReturnsNull()
    {
        Assert.Null(await Store.GetTaskSummaryAsync(KeelIds.NewTaskId(), Ct));
    }
}
