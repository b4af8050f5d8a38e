using Keel.Journal;
using Keel.Tracing;
using Xunit;
using static Keel.Storage.Conformance.StoreSamples;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task CommitObserver_HearsOfTheKeptCommitsOfAPartlyFailedBatch_AndOfTheFailedOnesAsFailed()
    {
        var observer = new RecordingObserver();
        Store.AddCommitObserver(observer);
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var good = ModelStep(customer.Id, task.Id, 1, 0.01m, TraceIds.NewTraceId());
        var duplicate = ModelStep(customer.Id, task.Id, 1, 0.02m, TraceIds.NewTraceId()) with { Usage = [] };
        var later = ModelStep(customer.Id, task.Id, 2, 0.04m, TraceIds.NewTraceId());

        await Assert.ThrowsAsync<AggregateException>(async () => await Store.CommitBatchAsync([good, duplicate, later], Ct));

        Assert.Equal([good, later], observer.Committed);
        Assert.Equal([duplicate], observer.Failed);
    }

    [Fact]
    public async Task CommitObserver_HearsOfStepsBatchesAndForksOnceStored_AndNothingOfAFailedStepAsStored()
    {
        var observer = new RecordingObserver();
        Store.AddCommitObserver(observer);
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var first = ModelStep(customer.Id, task.Id, 1, 0.01m, TraceIds.NewTraceId());
        var batch = new[] { ModelStep(customer.Id, task.Id, 2, 0.01m, TraceIds.NewTraceId()), ModelStep(customer.Id, task.Id, 3, 0.01m, TraceIds.NewTraceId()) };

        await Store.CommitStepAsync(first, Ct);
        Assert.Equal([first], observer.Committed); // told before the commit call returned
        await Store.CommitBatchAsync(batch, Ct);
        var repeated = ModelStep(customer.Id, task.Id, 1, 0.01m, TraceIds.NewTraceId()) with { Usage = [] };
        await Assert.ThrowsAnyAsync<Exception>(async () => await Store.CommitStepAsync(repeated, Ct)); // step 1 exists
        var fork = task with { Id = Keel.Tasks.KeelIds.NewTaskId(), ForkedFrom = task.Id, ForkedAtStep = 1 };
        var reused = new StepCommit { Step = NewStep(fork.Id, 1, 0.01m), Spans = [NewSpan(fork.Id, 1, TraceIds.NewTraceId())] };
        await Store.CreateForkAsync(fork, [reused], Ct);

        Assert.Equal([first, .. batch, reused], observer.Committed);
        Assert.Equal([repeated], observer.Failed);
    }

    [Fact]
    public async Task CommitObserver_ThatThrows_NeitherFailsTheCommitNorKeepsOtherObserversFromHearingOfIt()
    {
        var observer = new RecordingObserver();
        Store.AddCommitObserver(new ThrowingObserver());
        Store.AddCommitObserver(observer);
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);
        var step = ModelStep(customer.Id, task.Id, 1, 0.01m, TraceIds.NewTraceId());

        await Store.CommitStepAsync(step, Ct);

        Assert.Single(await Store.GetStepsAsync(task.Id, Ct));
        Assert.Equal([step], observer.Committed);
    }

    private sealed class RecordingObserver : ICommitObserver
    {
        private readonly Lock _lock = new();

        public List<StepCommit> Committed { get; } = [];

        public List<StepCommit> Failed { get; } = [];

        public void OnCommitted(IReadOnlyList<StepCommit> commits)
        {
            lock (_lock)
            {
                Committed.AddRange(commits);
            }
        }

        public void OnFailed(IReadOnlyList<StepCommit> commits)
        {
            lock (_lock)
            {
                Failed.AddRange(commits);
            }
        }
    }

    private sealed class ThrowingObserver : ICommitObserver
    {
        public void OnCommitted(IReadOnlyList<StepCommit> commits) => throw new InvalidOperationException("observer bug");

        public void OnFailed(IReadOnlyList<StepCommit> commits) => throw new InvalidOperationException("observer bug");
    }
}
