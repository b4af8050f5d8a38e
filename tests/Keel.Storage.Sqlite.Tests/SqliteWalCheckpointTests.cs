using Keel.Tasks;
using Xunit;

namespace Keel.Storage.Sqlite.Tests;

public sealed class SqliteWalCheckpointTests : IDisposable
{
    private readonly TempDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_WAL_past_its_threshold_is_checkpointed_by_the_checkpoint_thread_not_the_writer()
    {
        await using var store = await SqliteKeelStore.OpenAsync(_database.Path, new SqliteStoreOptions { WalCheckpointPages = 16 }, Ct);
        var checkpoint = new TaskCompletionSource<(int Pages, string? Thread)>(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Checkpointer.Checkpointed += pages =>
        {
            if (pages > 0) // a checkpoint that found another one running copies nothing (-1); a later commit asks again
            {
                checkpoint.TrySetResult((pages, Thread.CurrentThread.Name));
            }
        };
        var customer = await store.EnsureCustomerAsync("acme", Ct);

        // Each task carries two pages of input: every eight or so take the WAL past 16 pages again.
        var written = 0;
        while (!checkpoint.Task.IsCompleted && written < 500)
        {
            await store.CreateTaskAsync(new AgentTask { Id = KeelIds.NewTaskId(), Agent = "a", CustomerId = customer.Id, Input = new string('x', 16_000), CreatedAt = DateTimeOffset.UtcNow }, Ct);
            written++;
        }

        var (pages, thread) = await checkpoint.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal("keel-wal-checkpoint", thread); // not the writer: its commits never wait for the copy
        Assert.True(pages > 0, $"copied {pages} pages");
        Assert.Equal(Math.Min(written, 100), (await store.ListTasksAsync(new TaskQuery(), Ct)).Count);
    }

    [Fact]
    public async Task A_store_with_a_checkpoint_thread_closes_and_opens_again_with_everything_it_wrote()
    {
        string taskId;
        await using (var store = await SqliteKeelStore.OpenAsync(_database.Path, new SqliteStoreOptions { WalCheckpointPages = 4 }, Ct))
        {
            var customer = await store.EnsureCustomerAsync("acme", Ct);
            taskId = KeelIds.NewTaskId();
            await store.CreateTaskAsync(new AgentTask { Id = taskId, Agent = "a", CustomerId = customer.Id, Input = new string('y', 40_000), CreatedAt = DateTimeOffset.UtcNow }, Ct);
        }

        await using var reopened = await SqliteKeelStore.OpenAsync(_database.Path, cancellationToken: Ct);
        Assert.Equal(new string('y', 40_000), (await reopened.FindTaskAsync(taskId, Ct))?.Input);
    }

    public void Dispose() => _database.Dispose();
}
