using Keel.Storage.Sqlite;
using Keel.Tasks;

namespace Keel.Cli.Tests;

/// <summary>A fresh database with customers and tasks made directly in the store, for commands that act on them.</summary>
internal static class SeededDatabase
{
    /// <summary>Creates a task of <paramref name="customer"/> (the customer too, if new) and returns its id; it has ended unless told otherwise.</summary>
    public static async Task<string> TaskAsync(string db, string customer = "acme", string agent = "support", AgentTaskStatus status = AgentTaskStatus.Succeeded)
    {
        await using var store = await SqliteKeelStore.OpenAsync(db, cancellationToken: Xunit.TestContext.Current.CancellationToken);
        var owner = await store.EnsureCustomerAsync(customer, Xunit.TestContext.Current.CancellationToken);
        var now = DateTimeOffset.UtcNow;
        var task = new AgentTask
        {
            Id = KeelIds.NewTaskId(), Agent = agent, CustomerId = owner.Id, CreatedAt = now, Status = status,
            StartedAt = status == AgentTaskStatus.Pending ? null : now, EndedAt = status is AgentTaskStatus.Succeeded or AgentTaskStatus.Failed ? now : null,
        };
        await store.CreateTaskAsync(task, Xunit.TestContext.Current.CancellationToken);
        return task.Id;
    }

    public static async Task<T> WithStoreAsync<T>(string db, Func<SqliteKeelStore, Task<T>> read)
    {
        await using var store = await SqliteKeelStore.OpenAsync(db, cancellationToken: Xunit.TestContext.Current.CancellationToken);
        return await read(store);
    }
}
