using Keel.Approvals;
using Keel.Journal;
using Keel.Tasks;
using Xunit;

namespace Keel.Storage.Conformance;

/// <summary>The durable task queue: claims under a lease, fencing, timers, approvals and child tasks.</summary>
public abstract partial class StoreConformanceTests
{
    private static readonly TimeSpan QueueLease = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ClaimTaskAsync_PendingTasks_OldestFirstAndOnlyOfTheNamedAgents()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var newer = await PendingAsync(customer.Id, "writer", createdAtMs: 2000);
        await PendingAsync(customer.Id, "reviewer", createdAtMs: 0);
        var older = await PendingAsync(customer.Id, "writer", createdAtMs: 1000);

        var first = await ClaimAsync("w1", 5000, "writer");
        var second = await ClaimAsync("w1", 5000, "writer");
        var third = await ClaimAsync("w1", 5000, "writer");

        Assert.Equal(older.Id, first?.Id);
        Assert.Equal(newer.Id, second?.Id);
        Assert.Null(third);
        Assert.Equal(AgentTaskStatus.Running, first!.Status);
        Assert.Equal("w1", first.LeaseOwner);
        Assert.Equal(StoreSamples.At(5000) + QueueLease, first.LeaseExpiresAt);
        Assert.Equal(StoreSamples.At(5000), first.StartedAt);
        var stored = await Store.FindTaskAsync(older.Id, Ct);
        Assert.Equal(AgentTaskStatus.Running, stored!.Status);
        Assert.Equal("w1", stored.LeaseOwner);
    }

    [Fact]
    public async Task ClaimTaskAsync_NoAgentsOrNoneRunnable_ReturnsNull()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        await PendingAsync(customer.Id, "writer", createdAtMs: 1000);

        Assert.Null(await Store.ClaimTaskAsync(new TaskClaim("w1", [], StoreSamples.At(5000), QueueLease), Ct));
        Assert.Null(await ClaimAsync("w1", 5000, "reviewer"));
        Assert.Null(await ClaimAsync("w1", 999, "writer")); // created after "now": not runnable yet
    }

    [Fact]
    public async Task ClaimTaskAsync_ManyWorkersClaimingAtOnce_NeverShareATask()
    {
        const int taskCount = 60;
        const int workerCount = 8;
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        for (var i = 0; i < taskCount; i++)
        {
            await PendingAsync(customer.Id, "writer", createdAtMs: i);
        }

        var claims = Enumerable.Range(0, workerCount).Select(w => Task.Run(async () =>
        {
            var mine = new List<AgentTask>();
            while (await ClaimAsync($"w{w}", 10_000, "writer") is { } claimed)
            {
                mine.Add(claimed);
            }

            return mine;
        }, Ct));
        var byWorker = await Task.WhenAll(claims);

        var all = byWorker.SelectMany(m => m).ToList();
        Assert.Equal(taskCount, all.Count);
        Assert.Equal(taskCount, all.Select(t => t.Id).Distinct().Count());
        for (var w = 0; w < workerCount; w++)
        {
            foreach (var claimed in byWorker[w])
            {
                Assert.Equal($"w{w}", (await Store.FindTaskAsync(claimed.Id, Ct))!.LeaseOwner);
            }
        }
    }

    [Fact]
    public async Task ClaimTaskAsync_RunningTask_ClaimableOnlyOnceItsLeaseExpired()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = await PendingAsync(customer.Id, "writer", createdAtMs: 0);
        await ClaimAsync("w1", 1000, "writer");

        var whileLive = await ClaimAsync("w2", 1000 + 29_999, "writer");
        var afterExpiry = await ClaimAsync("w2", 1000 + 30_000, "writer");

        Assert.Null(whileLive);
        Assert.Equal(task.Id, afterExpiry?.Id);
        Assert.Equal("w2", afterExpiry!.LeaseOwner);
        Assert.Equal(StoreSamples.At(1000), afterExpiry.StartedAt); // a takeover does not restart the task's clock
    }

    [Fact]
    public async Task RenewLeasesAsync_ReturnsOnlyTheTasksTheWorkerStillHolds()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var a = await PendingAsync(customer.Id, "writer", createdAtMs: 0);
        var b = await PendingAsync(customer.Id, "writer", createdAtMs: 1);
        var c = await PendingAsync(customer.Id, "writer", createdAtMs: 2);
        await ClaimAsync("w1", 1000, "writer");
        await ClaimAsync("w1", 1000, "writer");
        await ClaimAsync("w2", 1000, "writer");

        var held = await Store.RenewLeasesAsync("w1", [a.Id, b.Id, c.Id], StoreSamples.At(20_000), Ct);
        Assert.Equal(new[] { a.Id, b.Id }.Order(), held.Order());

        // w1 keeps b alive but lets a lapse at 20 s; another worker takes a over, and w1's next renewal misses it.
        await Store.RenewLeasesAsync("w1", [b.Id], StoreSamples.At(60_000), Ct);
        var stolen = await ClaimAsync("w3", 25_000, "writer");
        Assert.Equal(a.Id, stolen?.Id);
        var stillHeld = await Store.RenewLeasesAsync("w1", [a.Id, b.Id], StoreSamples.At(90_000), Ct);
        Assert.Equal([b.Id], stillHeld);
        Assert.Empty(await Store.RenewLeasesAsync("w2", [a.Id, b.Id], StoreSamples.At(90_000), Ct));
    }

    [Fact]
    public async Task RenewLeasesAsync_ExtendsTheLease_SoTheTaskIsNotClaimable()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = await PendingAsync(customer.Id, "writer", createdAtMs: 0);
        await ClaimAsync("w1", 0, "writer");

        await Store.RenewLeasesAsync("w1", [task.Id], StoreSamples.At(90_000), Ct);

        Assert.Null(await ClaimAsync("w2", 89_999, "writer"));
        Assert.Equal(StoreSamples.At(90_000), (await Store.FindTaskAsync(task.Id, Ct))!.LeaseExpiresAt);
        Assert.Equal(task.Id, (await ClaimAsync("w2", 90_000, "writer"))?.Id);
    }

    [Fact]
    public async Task CommitStepAsync_FromAWorkerThatLostTheLease_ThrowsAndWritesNothing()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = await PendingAsync(customer.Id, "writer", createdAtMs: 0);
        await ClaimAsync("w1", 0, "writer");
        await Store.CommitStepAsync(StoreSamples.ModelStep(customer.Id, task.Id, 1, 0.01m, "trace") with { LeaseOwner = "w1" }, Ct);
        var takenOver = await ClaimAsync("w2", 30_000, "writer");

        var late = StoreSamples.ModelStep(customer.Id, task.Id, 2, 0.02m, "trace") with
        {
            LeaseOwner = "w1",
            Task = takenOver! with { Status = AgentTaskStatus.Succeeded, Output = "stale", LeaseOwner = null, LeaseExpiresAt = null, EndedAt = StoreSamples.At(31_000) },
        };
        var ex = await Assert.ThrowsAsync<LeaseLostException>(() => Store.CommitStepAsync(late, Ct).AsTask());

        Assert.Equal(task.Id, ex.TaskId);
        Assert.Equal([1], (await Store.GetStepsAsync(task.Id, Ct)).Select(s => s.Seq));
        Assert.Single(await Store.GetUsageAsync(task.Id, Ct));
        var summary = await Store.GetTaskSummaryAsync(task.Id, Ct);
        Assert.Equal(0.01m, summary!.CostUsd);
        Assert.Equal(AgentTaskStatus.Running, summary.Task.Status);
        Assert.Equal("w2", summary.Task.LeaseOwner);

        await Store.CommitStepAsync(StoreSamples.ModelStep(customer.Id, task.Id, 2, 0.02m, "trace") with { LeaseOwner = "w2" }, Ct);
        Assert.Equal([1, 2], (await Store.GetStepsAsync(task.Id, Ct)).Select(s => s.Seq));
    }

    [Fact]
    public async Task CommitStepAsync_LeasedCommitOnAFinishedTask_ThrowsLeaseLost()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = await PendingAsync(customer.Id, "writer", createdAtMs: 0);
        var claimed = await ClaimAsync("w1", 0, "writer");
        await Store.CommitStepAsync(new StepCommit { Task = Finished(claimed!, 1000), LeaseOwner = "w1" }, Ct);

        await Assert.ThrowsAsync<LeaseLostException>(() =>
            Store.CommitStepAsync(StoreSamples.ModelStep(customer.Id, task.Id, 1, 0.01m, "trace") with { LeaseOwner = "w1" }, Ct).AsTask());

        Assert.Empty(await Store.GetStepsAsync(task.Id, Ct));
    }

    [Fact]
    public async Task ClaimTaskAsync_WaitingTask_ClaimableFromItsWakeTime()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = await PendingAsync(customer.Id, "writer", createdAtMs: 0);
        var claimed = await ClaimAsync("w1", 0, "writer");
        await Park(claimed!, "w1", wakeAtMs: 3_600_000);

        var early = await ClaimAsync("w2", 3_599_999, "writer");
        var due = await ClaimAsync("w2", 3_600_000, "writer");

        Assert.Null(early);
        Assert.Equal(task.Id, due?.Id);
        Assert.Equal(AgentTaskStatus.Running, due!.Status);
        Assert.Null(due.WakeAt);
        Assert.Equal("w2", due.LeaseOwner);
    }

    [Fact]
    public async Task ClaimTaskAsync_WaitingForAnEvent_NeverClaimedByTime()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        await PendingAsync(customer.Id, "writer", createdAtMs: 0);
        await Park((await ClaimAsync("w1", 0, "writer"))!, "w1", wakeAtMs: null);

        Assert.Null(await ClaimAsync("w2", int.MaxValue, "writer"));
        Assert.Null(await Store.NextDueAsync(["writer"], Ct));
    }

    [Fact]
    public async Task NextDueAsync_EarliestTimeATaskOfTheAgentsBecomesRunnable()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        Assert.Null(await Store.NextDueAsync(["writer"], Ct));

        await PendingAsync(customer.Id, "writer", createdAtMs: 0);
        await PendingAsync(customer.Id, "writer", createdAtMs: 1);
        await PendingAsync(customer.Id, "writer", createdAtMs: 50_000);
        await PendingAsync(customer.Id, "reviewer", createdAtMs: 10);
        var parked = await ClaimAsync("w1", 100, "writer");
        await Park(parked!, "w1", wakeAtMs: 7_000);
        var finished = await ClaimAsync("w1", 100, "writer");
        await Store.CommitStepAsync(new StepCommit { Task = Finished(finished!, 200), LeaseOwner = "w1" }, Ct);

        Assert.Equal(StoreSamples.At(7_000), await Store.NextDueAsync(["writer"], Ct));
        Assert.Equal(StoreSamples.At(10), await Store.NextDueAsync(["writer", "reviewer"], Ct));
        Assert.Null(await Store.NextDueAsync(["nobody"], Ct));
        Assert.Null(await Store.NextDueAsync([], Ct));

        var running = await ClaimAsync("w1", 7_000, "writer");
        Assert.Equal(parked!.Id, running?.Id);
        Assert.Equal(StoreSamples.At(7_000) + QueueLease, await Store.NextDueAsync(["writer"], Ct)); // its lease runs out before 50 s
    }

    [Fact]
    public async Task NextDueAsync_IgnoresATaskWaitingForAPerson_EvenWithATimeout()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = await PendingAsync(customer.Id, "writer", createdAtMs: 0);
        var claimed = await ClaimAsync("w1", 0, "writer");
        await OpenApprovalAsync(claimed!, "w1", seq: 1, atMs: 100, timeoutMs: 3_600_000);

        Assert.Null(await Store.NextDueAsync(["writer"], Ct));
        Assert.Null(await ClaimAsync("w2", 3_600_099, "writer"));
        Assert.Equal(task.Id, (await ClaimAsync("w2", 3_600_100, "writer"))?.Id); // the timeout still wakes it
    }

    [Fact]
    public async Task ExpireLeasesAsync_EndsEveryLeaseOfThatWorkerOnly()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var a = await PendingAsync(customer.Id, "writer", createdAtMs: 0);
        var b = await PendingAsync(customer.Id, "writer", createdAtMs: 1);
        await PendingAsync(customer.Id, "writer", createdAtMs: 2);
        await ClaimAsync("dead", 1000, "writer");
        await ClaimAsync("dead", 1000, "writer");
        await ClaimAsync("alive", 1000, "writer");
        Assert.Equal(["alive", "dead"], (await Store.ListLeaseOwnersAsync(Ct)).Order());

        var expired = await Store.ExpireLeasesAsync("dead", StoreSamples.At(2000), Ct);

        Assert.Equal(2, expired);
        var reclaimed = new[] { await ClaimAsync("new", 2000, "writer"), await ClaimAsync("new", 2000, "writer"), await ClaimAsync("new", 2000, "writer") };
        Assert.Equal(new[] { a.Id, b.Id }.Order(), reclaimed.Where(t => t is not null).Select(t => t!.Id).Order());
        Assert.Equal(["alive", "new"], (await Store.ListLeaseOwnersAsync(Ct)).Order());
        Assert.Equal(0, await Store.ExpireLeasesAsync("dead", StoreSamples.At(3000), Ct));
    }

    [Fact]
    public async Task OpenApproval_ParksTheTaskUntilADecisionWakesIt()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = await PendingAsync(customer.Id, "writer", createdAtMs: 0);
        var claimed = await ClaimAsync("w1", 0, "writer");
        await Store.CommitStepAsync(StoreSamples.ModelStep(customer.Id, task.Id, 1, 0.01m, "trace") with { LeaseOwner = "w1" }, Ct);
        await OpenApprovalAsync(claimed!, "w1", seq: 2, atMs: 1000, timeoutMs: null);

        var pending = await Store.GetApprovalAsync(task.Id, 2, Ct);
        Assert.NotNull(pending);
        Assert.Equal(ApprovalStatus.Pending, pending.Status);
        Assert.Equal("Refund $40 to order 42?", pending.Request);
        Assert.Equal(customer.Id, pending.CustomerId);
        Assert.Equal(StoreSamples.At(1000), pending.RequestedAt);
        Assert.Null(pending.TimeoutAt);
        Assert.Equal(AgentTaskStatus.Waiting, (await Store.FindTaskAsync(task.Id, Ct))!.Status);
        Assert.Null(await ClaimAsync("w2", int.MaxValue, "writer"));

        var decided = await Store.DecideApprovalAsync(task.Id, new ApprovalDecision(true, "ann", "fine", 90), StoreSamples.At(5000), Ct);

        Assert.NotNull(decided);
        Assert.Equal(ApprovalStatus.Approved, decided.Status);
        Assert.Equal(2, decided.Seq);
        Assert.Equal("ann", decided.DecidedBy);
        Assert.Equal("fine", decided.Note);
        Assert.Equal(90, decided.ReviewSeconds);
        Assert.Equal(StoreSamples.At(5000), decided.DecidedAt);
        Assert.Equal(decided, await Store.GetApprovalAsync(task.Id, 2, Ct));
        Assert.Null(await ClaimAsync("w2", 4999, "writer"));
        var woken = await ClaimAsync("w2", 5000, "writer");
        Assert.Equal(task.Id, woken?.Id);
    }

    [Fact]
    public async Task DecideApprovalAsync_Reject_RecordsARejectionAndWakesTheTask()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = await PendingAsync(customer.Id, "writer", createdAtMs: 0);
        await OpenApprovalAsync((await ClaimAsync("w1", 0, "writer"))!, "w1", seq: 1, atMs: 100, timeoutMs: 3_600_000);

        var decided = await Store.DecideApprovalAsync(task.Id, new ApprovalDecision(false, "bob"), StoreSamples.At(2000), Ct);

        Assert.Equal(ApprovalStatus.Rejected, decided?.Status);
        Assert.Equal("bob", decided!.DecidedBy);
        Assert.Null(decided.Note);
        Assert.Null(decided.ReviewSeconds);
        Assert.Equal(StoreSamples.At(3_600_100), decided.TimeoutAt);
        Assert.Equal(task.Id, (await ClaimAsync("w2", 2000, "writer"))?.Id); // woken now, not at the timeout
    }

    [Fact]
    public async Task DecideApprovalAsync_NothingPending_ReturnsNullAndChangesNothing()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = await PendingAsync(customer.Id, "writer", createdAtMs: 0);
        Assert.Null(await Store.DecideApprovalAsync(task.Id, new ApprovalDecision(true, "ann"), StoreSamples.At(10), Ct));
        Assert.Null(await Store.DecideApprovalAsync("task_missing", new ApprovalDecision(true, "ann"), StoreSamples.At(10), Ct));

        await OpenApprovalAsync((await ClaimAsync("w1", 0, "writer"))!, "w1", seq: 1, atMs: 100, timeoutMs: null);
        await Store.DecideApprovalAsync(task.Id, new ApprovalDecision(true, "ann"), StoreSamples.At(2000), Ct);
        var again = await Store.DecideApprovalAsync(task.Id, new ApprovalDecision(false, "bob"), StoreSamples.At(3000), Ct);

        Assert.Null(again);
        var approval = await Store.GetApprovalAsync(task.Id, 1, Ct);
        Assert.Equal(ApprovalStatus.Approved, approval!.Status);
        Assert.Equal("ann", approval.DecidedBy);
        Assert.Null(await Store.GetApprovalAsync(task.Id, 2, Ct));
    }

    [Fact]
    public async Task DecideApprovalAsync_ATimedOutApproval_IsNoLongerDecidable()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = await PendingAsync(customer.Id, "writer", createdAtMs: 0);
        await OpenApprovalAsync((await ClaimAsync("w1", 0, "writer"))!, "w1", seq: 1, atMs: 0, timeoutMs: 60_000);
        var woken = await ClaimAsync("w2", 60_000, "writer");

        // The task applies its timeout policy: the approval step is journaled without a decision.
        await Store.CommitStepAsync(new StepCommit
        {
            Step = new StepRecord
            {
                TaskId = task.Id, Seq = 1, Kind = StepKind.Approval, Name = "approval", Status = StepStatus.Succeeded,
                Result = """{"approved":false,"decidedBy":"timeout","timedOut":true}""", StartedAt = StoreSamples.At(0), EndedAt = StoreSamples.At(60_000),
            },
            LeaseOwner = "w2",
        }, Ct);

        Assert.Equal(ApprovalStatus.TimedOut, (await Store.GetApprovalAsync(task.Id, 1, Ct))!.Status);
        Assert.Empty(await Store.ListApprovalsAsync(ApprovalStatus.Pending, cancellationToken: Ct));
        Assert.Null(await Store.DecideApprovalAsync(task.Id, new ApprovalDecision(true, "late"), StoreSamples.At(70_000), Ct));

        // A second approval the task then waits for is the one a decision reaches.
        await OpenApprovalAsync(woken!, "w2", seq: 2, atMs: 61_000, timeoutMs: null);
        var decided = await Store.DecideApprovalAsync(task.Id, new ApprovalDecision(true, "ann"), StoreSamples.At(80_000), Ct);
        Assert.Equal(2, decided?.Seq);
    }

    [Fact]
    public async Task ListApprovalsAsync_FiltersByStatus_NewestFirst_UpToTheLimit()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var tasks = new List<AgentTask>();
        for (var i = 0; i < 3; i++)
        {
            tasks.Add(await PendingAsync(customer.Id, "writer", createdAtMs: i));
        }

        for (var i = 0; i < 3; i++)
        {
            await OpenApprovalAsync((await ClaimAsync("w1", 10, "writer"))!, "w1", seq: 1, atMs: 1000 * (i + 1), timeoutMs: null);
        }

        await Store.DecideApprovalAsync(tasks[1].Id, new ApprovalDecision(true, "ann"), StoreSamples.At(9000), Ct);

        var pending = await Store.ListApprovalsAsync(ApprovalStatus.Pending, cancellationToken: Ct);
        var approved = await Store.ListApprovalsAsync(ApprovalStatus.Approved, cancellationToken: Ct);
        var all = await Store.ListApprovalsAsync(cancellationToken: Ct);
        var newest = await Store.ListApprovalsAsync(limit: 1, cancellationToken: Ct);

        Assert.Equal([tasks[2].Id, tasks[0].Id], pending.Select(a => a.TaskId));
        Assert.Equal([tasks[1].Id], approved.Select(a => a.TaskId));
        Assert.Empty(await Store.ListApprovalsAsync(ApprovalStatus.Rejected, cancellationToken: Ct));
        Assert.Equal([tasks[2].Id, tasks[1].Id, tasks[0].Id], all.Select(a => a.TaskId));
        Assert.Equal([tasks[2].Id], newest.Select(a => a.TaskId));
    }

    [Fact]
    public async Task ChildTask_FinishingWakesItsWaitingParent()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var parent = await PendingAsync(customer.Id, "planner", createdAtMs: 0);
        var running = await ClaimAsync("w1", 0, "planner");
        var child = new AgentTask
        {
            Id = KeelIds.NewTaskId(), Agent = "writer", CustomerId = customer.Id, ParentId = parent.Id, ParentStep = 1, Input = "draft", CreatedAt = StoreSamples.At(100),
        };
        await Store.CommitStepAsync(new StepCommit
        {
            CreateTaskIfMissing = child,
            Task = running! with { Status = AgentTaskStatus.Waiting, WakeAt = null, LeaseOwner = null, LeaseExpiresAt = null },
            LeaseOwner = "w1",
        }, Ct);

        var found = await Store.FindChildTaskAsync(parent.Id, 1, Ct);
        Assert.Equal(child.Id, found?.Id);
        Assert.Equal(AgentTaskStatus.Pending, found!.Status);
        Assert.Null(await Store.FindChildTaskAsync(parent.Id, 2, Ct));
        Assert.Null(await ClaimAsync("w2", 1000, "planner"));
        var childRun = await ClaimAsync("w2", 1000, "writer");
        Assert.Equal(child.Id, childRun?.Id);

        await Store.CommitStepAsync(new StepCommit { Task = Finished(childRun!, 4000) with { Output = "the draft" }, LeaseOwner = "w2" }, Ct);

        Assert.Equal(StoreSamples.At(4000), await Store.NextDueAsync(["planner"], Ct));
        Assert.Equal(parent.Id, (await ClaimAsync("w3", 4000, "planner"))?.Id);
        Assert.Equal("the draft", (await Store.FindChildTaskAsync(parent.Id, 1, Ct))!.Output);
    }

    [Fact]
    public async Task ParkingForAChildThatAlreadyFinished_MakesTheParentRunnableAtOnce()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var parent = await PendingAsync(customer.Id, "planner", createdAtMs: 0);
        var running = await ClaimAsync("w1", 0, "planner");
        var child = new AgentTask
        {
            Id = KeelIds.NewTaskId(), Agent = "writer", CustomerId = customer.Id, ParentId = parent.Id, ParentStep = 1, Input = "draft", CreatedAt = StoreSamples.At(100),
        };
        await Store.CommitStepAsync(new StepCommit { CreateTaskIfMissing = child, LeaseOwner = "w1", Task = running }, Ct);

        // The child ends while its parent is still running (so there is no waiting parent to wake)...
        var childRun = await ClaimAsync("w2", 200, "writer");
        await Store.CommitStepAsync(new StepCommit { Task = Finished(childRun!, 300), LeaseOwner = "w2" }, Ct);
        // ...and only then does the parent, having seen the child unfinished, park to wait for it.
        await Park(running!, "w1", wakeAtMs: null);

        Assert.Equal(parent.Id, (await ClaimAsync("w3", 400, "planner"))?.Id);
    }

    [Fact]
    public async Task ParkingForAnApprovalDecidedMeanwhile_MakesTheTaskRunnableAtOnce()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = await PendingAsync(customer.Id, "writer", createdAtMs: 0);
        await OpenApprovalAsync((await ClaimAsync("w1", 0, "writer"))!, "w1", seq: 1, atMs: 0, timeoutMs: 60_000);
        var atTimeout = await ClaimAsync("w2", 60_000, "writer"); // woken at the timeout, say by a clock a little ahead

        // A decision arrives while the task runs: there is no waiting task to wake...
        await Store.DecideApprovalAsync(task.Id, new ApprovalDecision(true, "ann"), StoreSamples.At(60_100), Ct);
        // ...and the task, having read the approval as pending, parks for it again.
        await Park(atTimeout!, "w2", wakeAtMs: null);

        Assert.Equal(task.Id, (await ClaimAsync("w3", 60_200, "writer"))?.Id);
    }

    private async Task<AgentTask> PendingAsync(string customerId, string agent, int createdAtMs)
    {
        var task = StoreSamples.NewTask(customerId, agent: agent, createdAtMs: createdAtMs, status: AgentTaskStatus.Pending);
        await Store.CreateTaskAsync(task, Ct);
        return task;
    }

    private async Task<AgentTask?> ClaimAsync(string worker, int nowMs, params string[] agents) =>
        await Store.ClaimTaskAsync(new TaskClaim(worker, agents, StoreSamples.At(nowMs), QueueLease), Ct);

    private async Task Park(AgentTask running, string worker, int? wakeAtMs) =>
        await Store.CommitStepAsync(new StepCommit
        {
            Task = running with { Status = AgentTaskStatus.Waiting, WakeAt = wakeAtMs is { } ms ? StoreSamples.At(ms) : null, LeaseOwner = null, LeaseExpiresAt = null },
            LeaseOwner = worker,
        }, Ct);

    private async Task OpenApprovalAsync(AgentTask running, string worker, int seq, int atMs, int? timeoutMs)
    {
        var timeout = timeoutMs is { } ms ? StoreSamples.At(atMs + ms) : (DateTimeOffset?)null;
        await Store.CommitStepAsync(new StepCommit
        {
            OpenApproval = new Approval
            {
                TaskId = running.Id, Seq = seq, CustomerId = running.CustomerId, Request = "Refund $40 to order 42?", RequestedAt = StoreSamples.At(atMs), TimeoutAt = timeout,
            },
            Task = running with { Status = AgentTaskStatus.Waiting, WakeAt = timeout, LeaseOwner = null, LeaseExpiresAt = null },
            LeaseOwner = worker,
        }, Ct);
    }

    private static AgentTask Finished(AgentTask running, int atMs) =>
        running with { Status = AgentTaskStatus.Succeeded, Output = "done", EndedAt = StoreSamples.At(atMs), LeaseOwner = null, LeaseExpiresAt = null, WakeAt = null };
}
