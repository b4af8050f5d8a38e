using Keel.Context;
using Keel.Tracing;
using Xunit;

namespace Keel.Storage.Conformance;

/// <summary>Snapshots stored against a base: only the hashes a window added, read back whole.</summary>
public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task CommitStepAsync_SnapshotsOnABase_StoreOnlyTheirAdditionsAndReadBackWhole()
    {
        const int stepCount = 3 * ContextSnapshot.MaxDepth;
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var traceId = TraceIds.NewTraceId();
        var messages = Enumerable.Range(1, stepCount).Select(i => $"message {i}").ToList();
        var snapshots = new List<ContextSnapshot>();

        ContextSnapshot? previous = null;
        for (var seq = 1; seq <= stepCount; seq++)
        {
            previous = ContextSnapshot.FromMessages(messages.Take(seq), previous);
            snapshots.Add(previous);
            await Store.CommitStepAsync(StoreSamples.ModelStep(customer.Id, task.Id, seq, 0.001m, traceId, previous), Ct);
        }

        var stats = await Store.GetStatsAsync(Ct);
        var wholeLists = stepCount * (stepCount + 1) / 2 * 32;
        Assert.True(stats.SnapshotBytes * 10 < wholeLists, $"snapshots took {stats.SnapshotBytes} B; whole lists would take {wholeLists} B");
        Assert.All(snapshots, s => Assert.True(s.Depth <= ContextSnapshot.MaxDepth));
        for (var k = 1; k <= stepCount; k++)
        {
            Assert.Equal(messages.Take(k), await Store.GetSnapshotAsync(snapshots[k - 1].Id, Ct));
        }
    }

    [Fact]
    public async Task CommitStepAsync_SnapshotWhoseBaseWasNeverStored_IsStoredWhole()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var neverStored = ContextSnapshot.FromMessages(["system", "user"]);
        var snapshot = ContextSnapshot.FromMessages(["system", "user", "assistant"], neverStored);

        await Store.CommitStepAsync(StoreSamples.ModelStep(customer.Id, task.Id, 1, 0.001m, TraceIds.NewTraceId(), snapshot), Ct);

        Assert.Equal(neverStored.Id, snapshot.BaseId);
        Assert.Equal(["system", "user", "assistant"], await Store.GetSnapshotAsync(snapshot.Id, Ct));
    }

    [Fact]
    public void FromMessages_APreviousWindowThatIsNotAPrefix_IsNoBase()
    {
        var previous = ContextSnapshot.FromMessages(["system", "user: one"]);

        var edited = ContextSnapshot.FromMessages(["system", "user: two", "assistant"], previous);

        Assert.Null(edited.BaseId);
        Assert.Equal(0, edited.Depth);
    }
}
