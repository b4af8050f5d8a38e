using Keel.Journal;
using Keel.Tasks;
using Xunit;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    [Fact]
    public async Task ListTasksAsync_NoFilter_NewestFirst()
    {
        var tasks = await CreateListingTasksAsync();

        var listed = await Store.ListTasksAsync(new TaskQuery(), Ct);

        Assert.Equal(Ids(tasks, 4, 3, 2, 1, 0), listed.Select(s => s.Task.Id));
    }

    [Fact]
    public async Task ListTasksAsync_ByStatus_OnlyThatStatus()
    {
        var tasks = await CreateListingTasksAsync();

        var listed = await Store.ListTasksAsync(new TaskQuery { Status = AgentTaskStatus.Running }, Ct);

        Assert.Equal(Ids(tasks, 4, 3, 1), listed.Select(s => s.Task.Id));
    }

    [Fact]
    public async Task ListTasksAsync_ByStatus_SeesStatusCommittedLater()
    {
        var tasks = await CreateListingTasksAsync();
        await Store.CommitStepAsync(new StepCommit { Task = tasks[3] with { Status = AgentTaskStatus.Succeeded, EndedAt = StoreSamples.At(9_000) } }, Ct);

        var succeeded = await Store.ListTasksAsync(new TaskQuery { Status = AgentTaskStatus.Succeeded }, Ct);
        var running = await Store.ListTasksAsync(new TaskQuery { Status = AgentTaskStatus.Running }, Ct);

        Assert.Equal(Ids(tasks, 3, 0), succeeded.Select(s => s.Task.Id));
        Assert.Equal(Ids(tasks, 4, 1), running.Select(s => s.Task.Id));
    }

    [Fact]
    public async Task ListTasksAsync_ByAgent_OnlyThatAgent()
    {
        var tasks = await CreateListingTasksAsync();

        var listed = await Store.ListTasksAsync(new TaskQuery { Agent = "researcher" }, Ct);

        Assert.Equal(Ids(tasks, 3, 2, 0), listed.Select(s => s.Task.Id));
    }

    [Fact]
    public async Task ListTasksAsync_ByCustomer_OnlyThatCustomersTasks()
    {
        var tasks = await CreateListingTasksAsync();

        var listed = await Store.ListTasksAsync(new TaskQuery { CustomerId = tasks[0].CustomerId }, Ct);

        Assert.Equal(Ids(tasks, 3, 1, 0), listed.Select(s => s.Task.Id));
        Assert.All(listed, s => Assert.Equal(tasks[0].CustomerId, s.Task.CustomerId));
    }

    [Fact]
    public async Task ListTasksAsync_FiltersCombined_AllApply()
    {
        var tasks = await CreateListingTasksAsync();

        var listed = await Store.ListTasksAsync(
            new TaskQuery { CustomerId = tasks[0].CustomerId, Agent = "researcher", Status = AgentTaskStatus.Running }, Ct);

        Assert.Equal(Ids(tasks, 3), listed.Select(s => s.Task.Id));
    }

    [Fact]
    public async Task ListTasksAsync_Limit_ReturnsTheNewest()
    {
        var tasks = await CreateListingTasksAsync();

        var listed = await Store.ListTasksAsync(new TaskQuery { Limit = 2 }, Ct);

        Assert.Equal(Ids(tasks, 4, 3), listed.Select(s => s.Task.Id));
    }

    [Fact]
    public async Task ListTasksAsync_EmptyStore_ReturnsEmpty()
    {
        Assert.Empty(await Store.ListTasksAsync(new TaskQuery(), Ct));
    }

    /// <summary>
    /// Five tasks, created one second apart (index = age order) but inserted out of order and with ids that sort
    /// opposite to creation time, so only created-at ordering passes.
    /// </summary>
    private async Task<AgentTask[]> CreateListingTasksAsync()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var globex = await Store.EnsureCustomerAsync("globex", Ct);
        var ids = Enumerable.Range(0, 5).Select(_ => KeelIds.NewTaskId()).Reverse().ToArray();
        AgentTask[] tasks =
        [
            StoreSamples.NewTask(acme.Id, ids[0], "researcher", 0, AgentTaskStatus.Succeeded),
            StoreSamples.NewTask(acme.Id, ids[1], "writer", 1_000, AgentTaskStatus.Running),
            StoreSamples.NewTask(globex.Id, ids[2], "researcher", 2_000, AgentTaskStatus.Failed),
            StoreSamples.NewTask(acme.Id, ids[3], "researcher", 3_000, AgentTaskStatus.Running),
            StoreSamples.NewTask(globex.Id, ids[4], "writer", 4_000, AgentTaskStatus.Running),
        ];
        foreach (var i in new[] { 2, 0, 4, 1, 3 })
        {
            await Store.CreateTaskAsync(tasks[i], Ct);
        }

        return tasks;
    }

    private static string[] Ids(AgentTask[] tasks, params int[] indexes) => [.. indexes.Select(i => tasks[i].Id)];
}
