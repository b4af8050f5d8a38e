using System.Text;
using Keel.Context;
using Keel.Tracing;
using Xunit;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    private const int HashBytes = 32;

    [Fact]
    public async Task CommitStepAsync_GrowingContext_StoresEachMessageOnce()
    {
        const int stepCount = 20;
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var traceId = TraceIds.NewTraceId();
        var messages = Enumerable.Range(1, stepCount).Select(Message).ToList();
        var snapshots = new List<ContextSnapshot>();

        for (var seq = 1; seq <= stepCount; seq++)
        {
            var snapshot = ContextSnapshot.FromMessages(messages.Take(seq));
            snapshots.Add(snapshot);
            await Store.CommitStepAsync(StoreSamples.ModelStep(customer.Id, task.Id, seq, 0.001m, traceId, snapshot), Ct);
        }

        var stats = await Store.GetStatsAsync(Ct);
        var messageBytes = messages.Select(m => (long)Encoding.UTF8.GetByteCount(m)).ToList();
        var fullSnapshotBytes = Enumerable.Range(1, stepCount).Sum(k => messageBytes.Take(k).Sum());
        var hashCount = stepCount * (stepCount + 1) / 2;
        Assert.Equal(stepCount, stats.Blobs);
        Assert.Equal(messageBytes.Sum(), stats.BlobBytes);
        Assert.Equal(stepCount, stats.Snapshots);
        Assert.Equal(hashCount * HashBytes, stats.SnapshotBytes);
        Assert.True((stats.BlobBytes + stats.SnapshotBytes) * 5 < fullSnapshotBytes,
            $"Stored {stats.BlobBytes + stats.SnapshotBytes} bytes; full snapshots would take {fullSnapshotBytes}.");
        for (var k = 1; k <= stepCount; k++)
        {
            Assert.Equal(messages.Take(k), await Store.GetSnapshotAsync(snapshots[k - 1].Id, Ct));
        }
    }

    [Fact]
    public async Task CommitStepAsync_SameWindowInTwoSteps_StoresOneSnapshot()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var traceId = TraceIds.NewTraceId();
        string[] window = [Message(1), Message(2), Message(1)];

        await Store.CommitStepAsync(StoreSamples.ModelStep(customer.Id, task.Id, 1, 0.001m, traceId, ContextSnapshot.FromMessages(window)), Ct);
        await Store.CommitStepAsync(StoreSamples.ModelStep(customer.Id, task.Id, 2, 0.001m, traceId, ContextSnapshot.FromMessages(window)), Ct);

        var stats = await Store.GetStatsAsync(Ct);
        Assert.Equal(1, stats.Snapshots);
        Assert.Equal(2, stats.Blobs);
        Assert.Equal(window, await Store.GetSnapshotAsync(ContextSnapshot.FromMessages(window).Id, Ct));
        Assert.All(await Store.GetSpansAsync(task.Id, Ct), s => Assert.Equal(ContextSnapshot.FromMessages(window).Id, s.SnapshotId));
    }

    [Fact]
    public async Task GetSnapshotAsync_UnknownId_ReturnsNull()
    {
        Assert.Null(await Store.GetSnapshotAsync(ContextSnapshot.FromMessages(["nowhere"]).Id, Ct));
    }

    /// <summary>A distinct serialized message of roughly 500 UTF-8 bytes, with multi-byte characters.</summary>
    private static string Message(int turn)
    {
        var role = turn % 2 == 1 ? "user" : "assistant";
        var body = string.Concat(Enumerable.Repeat($"turn {turn}: données naïves — 日本語のテキスト 🚀 ", 9));
        return $$"""{"role":"{{role}}","content":"{{body}}"}""";
    }
}
