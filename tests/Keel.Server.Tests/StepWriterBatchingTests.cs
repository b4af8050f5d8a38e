using Keel.Journal;
using Keel.Server.Recording;
using Keel.Storage.Sqlite;
using Keel.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>How the recording writer gathers commits into batches, on a real store.</summary>
public sealed class StepWriterBatchingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("keel-step-writer-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_full_queue_ends_the_gather_so_callers_do_not_wait_it_out()
    {
        await using var store = await SqliteKeelStore.OpenAsync(Path.Combine(_folder, "keel.db"), cancellationToken: Ct);
        var customer = await store.EnsureCustomerAsync("acme", Ct);
        // A gather far longer than the test: only a full queue can end it.
        using var writer = new StepWriter(store, NullLogger<StepWriter>.Instance) { GatherFor = TimeSpan.FromHours(1) };
        var gathering = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        writer.Gathering += () => gathering.TrySetResult();
        await writer.StartAsync(Ct);

        await writer.EnqueueAsync(Commit(customer.Id, 0));
        await gathering.Task.WaitAsync(Ct);
        // The queue fills, and the last commit finds it full: it gets in only once the writer has taken the batch.
        for (var i = 1; i <= StepWriter.QueueLength; i++)
        {
            await writer.EnqueueAsync(Commit(customer.Id, i)).AsTask().WaitAsync(TimeSpan.FromMinutes(1), Ct);
        }

        await writer.FlushAsync(Ct);
        Assert.Equal(StepWriter.QueueLength + 1, await store.CountTasksAsync(new TaskQuery { CustomerId = customer.Id }, cap: 10_000, Ct));
        await writer.StopAsync(Ct);
    }

    private static StepCommit Commit(string customerId, int n) => new()
    {
        CreateTaskIfMissing = new AgentTask
        {
            Id = $"task_batching_{n:D4}",
            Agent = "gateway",
            CustomerId = customerId,
            CreatedAt = DateTimeOffset.UtcNow,
        },
    };
}
