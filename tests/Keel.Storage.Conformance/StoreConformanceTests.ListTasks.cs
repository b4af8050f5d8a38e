using Keel.Journal;
using Keel.Tasks;
using Keel.Usage;
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

    [Fact]
    public async Task ListTasksAsync_BySession_OnlyThatSessionsTasks()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        await Store.EnsureSessionAsync("s-1", acme.Id, Ct);
        var inSession = StoreSamples.NewTask(acme.Id, createdAtMs: 0) with { SessionId = "s-1" };
        await Store.CreateTaskAsync(inSession, Ct);
        await Store.CreateTaskAsync(StoreSamples.NewTask(acme.Id, createdAtMs: 1_000), Ct);

        var listed = await Store.ListTasksAsync(new TaskQuery { SessionId = "s-1" }, Ct);

        Assert.Equal([inSession.Id], listed.Select(s => s.Task.Id));
    }

    [Fact]
    public async Task ListTasksAsync_ByModel_MatchesTheServingModelTheAliasAskedForOrAReplaysOverride()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var served = await TaskWithStepAsync(acme.Id, 0, stepName: "fast", model: "gpt-test");
        var other = await TaskWithStepAsync(acme.Id, 1_000, stepName: "large", model: "gpt-large");
        var overridden = StoreSamples.NewTask(acme.Id, createdAtMs: 2_000) with { ModelOverride = "large" };
        await Store.CreateTaskAsync(overridden, Ct);
        var toolOnly = StoreSamples.NewTask(acme.Id, createdAtMs: 3_000);
        await Store.CreateTaskAsync(toolOnly, Ct);
        await Store.CommitStepAsync(new StepCommit
        {
            Step = StoreSamples.NewStep(toolOnly.Id, 1, kind: StepKind.Tool) with { Name = "gpt-test" },
            Usage = [StoreSamples.NewUsage(acme.Id, toolOnly.Id, 1, 0.01m) with { Kind = UsageKind.Tool, Resource = "gpt-test" }],
        }, Ct);

        var byModel = await Store.ListTasksAsync(new TaskQuery { Model = "gpt-test" }, Ct);
        var byAlias = await Store.ListTasksAsync(new TaskQuery { Model = "large" }, Ct);
        var byNothing = await Store.ListTasksAsync(new TaskQuery { Model = "gpt" }, Ct);

        Assert.Equal([served.Id], byModel.Select(s => s.Task.Id));
        Assert.Equal([overridden.Id, other.Id], byAlias.Select(s => s.Task.Id));
        Assert.Empty(byNothing);
    }

    [Fact]
    public async Task ListTasksAsync_Search_MatchesAnIdPrefixOrTheInputInAnyCase()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var order = StoreSamples.NewTask(acme.Id, createdAtMs: 0) with { Input = "Refund ORD-4711 please" };
        var weather = StoreSamples.NewTask(acme.Id, createdAtMs: 1_000) with { Input = "Is it 100% sunny_today?" };
        await Store.CreateTaskAsync(order, Ct);
        await Store.CreateTaskAsync(weather, Ct);

        var byInput = await Store.ListTasksAsync(new TaskQuery { Search = "ord-4711" }, Ct);
        var byId = await Store.ListTasksAsync(new TaskQuery { Search = weather.Id[..^2] }, Ct);
        var wildcard = await Store.ListTasksAsync(new TaskQuery { Search = "%" }, Ct);
        var underscore = await Store.ListTasksAsync(new TaskQuery { Search = "y_t" }, Ct);

        Assert.Equal([order.Id], byInput.Select(s => s.Task.Id));
        Assert.Contains(weather.Id, byId.Select(s => s.Task.Id));
        Assert.Equal([weather.Id], wildcard.Select(s => s.Task.Id)); // a literal %, not "anything"
        Assert.Equal([weather.Id], underscore.Select(s => s.Task.Id));
    }

    [Fact]
    public async Task ListTasksAsync_TimeCostAndDurationRanges_BoundsAsDocumented()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var tasks = new List<AgentTask>();
        for (var i = 0; i < 4; i++)
        {
            // Created i seconds after the epoch, ran i+1 seconds, cost i cents.
            var task = StoreSamples.NewTask(acme.Id, createdAtMs: i * 1_000, status: AgentTaskStatus.Running);
            await Store.CreateTaskAsync(task, Ct);
            await Store.CommitStepAsync(new StepCommit
            {
                Step = StoreSamples.NewStep(task.Id, 1, costUsd: i / 100m),
                Usage = [StoreSamples.NewUsage(acme.Id, task.Id, 1, i / 100m)],
                Task = task with { Status = AgentTaskStatus.Succeeded, EndedAt = task.StartedAt!.Value.AddSeconds(i + 1) },
            }, Ct);
            tasks.Add(task);
        }

        var unfinished = StoreSamples.NewTask(acme.Id, createdAtMs: 1_500);
        await Store.CreateTaskAsync(unfinished, Ct);
        string[] Ids(params int[] indexes) => [.. indexes.Select(i => tasks[i].Id)];

        var window = await Store.ListTasksAsync(new TaskQuery { CreatedFrom = StoreSamples.At(1_000), CreatedBefore = StoreSamples.At(3_000) }, Ct);
        var costly = await Store.ListTasksAsync(new TaskQuery { MinCostUsd = 0.01m, MaxCostUsd = 0.02m }, Ct);
        var slow = await Store.ListTasksAsync(new TaskQuery { MinDuration = TimeSpan.FromSeconds(3) }, Ct);
        var quick = await Store.ListTasksAsync(new TaskQuery { MaxDuration = TimeSpan.FromSeconds(2) }, Ct);

        Assert.Equal([tasks[2].Id, unfinished.Id, tasks[1].Id], window.Select(s => s.Task.Id));
        Assert.Equal(Ids(2, 1), costly.Select(s => s.Task.Id));
        Assert.Equal(Ids(3, 2), slow.Select(s => s.Task.Id));
        Assert.Equal(Ids(1, 0), quick.Select(s => s.Task.Id));
    }

    [Fact]
    public async Task ListTasksAsync_After_PagesThroughTiesWithoutSkippingOrRepeating()
    {
        var acme = await Store.EnsureCustomerAsync("acme", Ct);
        var created = new List<AgentTask>();
        for (var i = 0; i < 11; i++)
        {
            var task = StoreSamples.NewTask(acme.Id, createdAtMs: (i / 3) * 1_000); // three tasks per creation time
            await Store.CreateTaskAsync(task, Ct);
            created.Add(task);
        }

        var pages = new List<string>();
        TaskPosition? after = null;
        while (true)
        {
            var page = await Store.ListTasksAsync(new TaskQuery { Limit = 4, After = after }, Ct);
            pages.AddRange(page.Select(s => s.Task.Id));
            if (page.Count < 4)
            {
                break;
            }

            after = TaskPosition.Of(page[^1].Task);
        }

        var expected = created.OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id, StringComparer.Ordinal).Select(t => t.Id);
        Assert.Equal(expected, pages);
    }

    [Fact]
    public async Task CountTasksAsync_CountsTheFilteredTasksUpToTheCap()
    {
        var tasks = await CreateListingTasksAsync();

        var all = await Store.CountTasksAsync(new TaskQuery { Limit = 1 }, 100, Ct);
        var running = await Store.CountTasksAsync(new TaskQuery { Status = AgentTaskStatus.Running }, 100, Ct);
        var capped = await Store.CountTasksAsync(new TaskQuery(), 2, Ct);
        var ofCustomer = await Store.CountTasksAsync(new TaskQuery { CustomerId = tasks[2].CustomerId, After = TaskPosition.Of(tasks[4]) }, 100, Ct);

        Assert.Equal((5, 3, 2, 2), (all, running, capped, ofCustomer)); // paging is not a filter
    }

    private async Task<AgentTask> TaskWithStepAsync(string customerId, int createdAtMs, string stepName, string model)
    {
        var task = StoreSamples.NewTask(customerId, createdAtMs: createdAtMs);
        await Store.CreateTaskAsync(task, Ct);
        await Store.CommitStepAsync(new StepCommit
        {
            Step = StoreSamples.NewStep(task.Id, 1) with { Name = stepName },
            Usage = [StoreSamples.NewUsage(customerId, task.Id, 1, 0.01m) with { Resource = model }],
        }, Ct);
        return task;
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
