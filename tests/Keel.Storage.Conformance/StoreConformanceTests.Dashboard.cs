using Keel.Approvals;
using Keel.Journal;
using Keel.Tasks;
using Xunit;

namespace Keel.Storage.Conformance;

/// <summary>The admin token's hash and the dashboard's reads: counts, one session, a task's approvals, a customer's costs.</summary>
public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task SetAdminTokenHashAsync_WithoutReplace_KeepsTheFirstAndWithReplace_Overwrites()
    {
        var none = await Store.GetAdminTokenHashAsync(Ct);
        var first = await Store.SetAdminTokenHashAsync("hash-1", replace: false, Ct);
        var second = await Store.SetAdminTokenHashAsync("hash-2", replace: false, Ct);
        var kept = await Store.GetAdminTokenHashAsync(Ct);
        var replaced = await Store.SetAdminTokenHashAsync("hash-3", replace: true, Ct);

        Assert.Null(none);
        Assert.Equal((true, false, "hash-1"), (first, second, kept));
        Assert.True(replaced);
        Assert.Equal("hash-3", await Store.GetAdminTokenHashAsync(Ct));
    }

    [Fact]
    public async Task GetTaskCountsAsync_CountsWatchedStatesAndCostPerCustomerOrAll()
    {
        var tasks = await CreateListingTasksAsync(); // acme: succeeded, running, running; globex: failed, running
        await Store.CommitStepAsync(StoreSamples.ModelStep(tasks[2].CustomerId, tasks[2].Id, 1, 0.25m, "trace-a"), Ct);
        await Store.CommitStepAsync(StoreSamples.ModelStep(tasks[0].CustomerId, tasks[0].Id, 1, 0.5m, "trace-b"), Ct);

        var all = await Store.GetTaskCountsAsync(cancellationToken: Ct);
        var globex = await Store.GetTaskCountsAsync(tasks[2].CustomerId, Ct);

        Assert.Equal(new TaskCounts(5, 3, 0, 1, 0.75m), all);
        Assert.Equal(new TaskCounts(2, 1, 0, 1, 0.25m), globex);
    }

    [Fact]
    public async Task GetSessionAsync_ReadsWithoutCreating()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        await Store.EnsureSessionAsync("s-1", acme.Id, Ct);

        var found = await Store.GetSessionAsync("s-1", Ct);
        var missing = await Store.GetSessionAsync("s-2", Ct);

        Assert.Equal(("s-1", acme.Id), (found!.Id, found.CustomerId));
        Assert.Null(missing);
        Assert.Null(await Store.GetSessionAsync("s-2", Ct));
    }

    [Fact]
    public async Task Approvals_OfATaskInOrder_AndListedPerCustomer()
    {
        var tasks = await CreateListingTasksAsync();
        await OpenApprovalAsync(tasks[1], 1, "first", StoreSamples.At(10_000));
        await Store.DecideApprovalAsync(tasks[1].Id, new ApprovalDecision(true, "ann"), StoreSamples.At(11_000), Ct);
        await OpenApprovalAsync(tasks[1], 2, "second", StoreSamples.At(12_000));
        await OpenApprovalAsync(tasks[2], 1, "globex's", StoreSamples.At(13_000));

        var ofTask = await Store.GetTaskApprovalsAsync(tasks[1].Id, Ct);
        var acmePending = await Store.ListApprovalsAsync(tasks[1].CustomerId, ApprovalStatus.Pending, 10, Ct);
        var everyone = await Store.ListApprovalsAsync(null, null, 10, Ct);

        Assert.Equal([("first", ApprovalStatus.Approved), ("second", ApprovalStatus.Pending)], ofTask.Select(a => (a.Request, a.Status)));
        Assert.Equal(["second"], acmePending.Select(a => a.Request));
        Assert.Equal(["globex's", "second", "first"], everyone.Select(a => a.Request));
    }

    [Fact]
    public async Task CostReportAsync_ForACustomer_CountsOnlyItsUsage()
    {
        var tasks = await CreateListingTasksAsync();
        await Store.CommitStepAsync(StoreSamples.ModelStep(tasks[0].CustomerId, tasks[0].Id, 1, 0.10m, "trace-a"), Ct);
        await Store.CommitStepAsync(StoreSamples.ModelStep(tasks[2].CustomerId, tasks[2].Id, 1, 0.40m, "trace-b"), Ct);

        var acme = await Store.CostReportAsync(CostGrouping.All, DateTimeOffset.MinValue, tasks[0].CustomerId, Ct);
        var everyone = await Store.CostReportAsync(CostGrouping.All, DateTimeOffset.MinValue, customerId: null, Ct);

        Assert.Equal((0.10m, 1L), (Assert.Single(acme).TotalUsd, acme[0].Tasks));
        Assert.Equal((0.50m, 2L), (Assert.Single(everyone).TotalUsd, everyone[0].Tasks));
    }

    [Fact]
    public async Task CountTasksAsync_ByModel_CountsTheServingModelTheAliasOrTheOverride_WithOtherFilters()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var globex = await Store.EnsureCustomerAsync("globex", Ct);
        await TaskWithStepAsync(acme.Id, 0, stepName: "fast", model: "gpt-test");
        await TaskWithStepAsync(acme.Id, 1_000, stepName: "large", model: "gpt-large");
        var twice = await TaskWithStepAsync(globex.Id, 2_000, stepName: "fast", model: "gpt-test");
        await Store.CommitStepAsync(new StepCommit
        {
            Step = StoreSamples.NewStep(twice.Id, 2) with { Name = "fast" },
            Usage = [StoreSamples.NewUsage(globex.Id, twice.Id, 2, 0.01m) with { Resource = "gpt-test" }],
        }, Ct);
        await Store.CreateTaskAsync(StoreSamples.NewTask(globex.Id, createdAtMs: 3_000) with { ModelOverride = "large" }, Ct);

        // A large cap: few calls of the model; a cap of 1: more calls than the cap (a store may count either way).
        var byModel = await Store.CountTasksAsync(new TaskQuery { Model = "gpt-test" }, 100, Ct);
        var byModelCapped = await Store.CountTasksAsync(new TaskQuery { Model = "gpt-test" }, 1, Ct);
        var byModelOfGlobex = await Store.CountTasksAsync(new TaskQuery { Model = "gpt-test", CustomerId = globex.Id }, 100, Ct);
        var byAlias = await Store.CountTasksAsync(new TaskQuery { Model = "large" }, 100, Ct);
        var byAliasOfGlobex = await Store.CountTasksAsync(new TaskQuery { Model = "large", CustomerId = globex.Id }, 100, Ct);
        var byNothing = await Store.CountTasksAsync(new TaskQuery { Model = "gpt" }, 100, Ct);
        var byModelFailed = await Store.CountTasksAsync(new TaskQuery { Model = "gpt-test", Status = AgentTaskStatus.Failed }, 1, Ct);

        Assert.Equal((2, 1, 1), (byModel, byModelCapped, byModelOfGlobex));
        Assert.Equal((2, 1, 0, 0), (byAlias, byAliasOfGlobex, byNothing, byModelFailed));
    }

    private async Task OpenApprovalAsync(AgentTask task, int seq, string request, DateTimeOffset at) =>
        await Store.CommitStepAsync(new StepCommit
        {
            Task = task with { Status = AgentTaskStatus.Waiting },
            OpenApproval = new Approval { TaskId = task.Id, Seq = seq, CustomerId = task.CustomerId, Request = request, RequestedAt = at },
        }, Ct);
}
