using Keel.Metering;
using Keel.Pricing;
using Keel.Resilience;
using Keel.Routing;
using Keel.Tasks;
using Xunit;

namespace Keel.Runtime.Tests;

public sealed class CancellationTests
{
    [Fact]
    public async Task A_task_cancelled_by_its_caller_ends_failed_instead_of_running_forever()
    {
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", TestContext.Current.CancellationToken);
        var runtime = new AgentRuntime(temp.Store, new ResilientModelCaller(new ModelCatalog([new ModelRoute("m", [Sim.Deployment("a")])])), new UsageMeter(PriceTable.Default));
        using var cancel = new CancellationTokenSource();
        var started = new TaskCompletionSource();
        var agent = new DelegateAgent("waiter", async (_, token) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, token);
            return "never";
        });

        var run = runtime.RunAsync(agent, "wait", acme.Id, cancellationToken: cancel.Token);
        await started.Task;
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var task = Assert.Single(await temp.Store.ListTasksAsync(new TaskQuery(), TestContext.Current.CancellationToken));
        Assert.Equal(AgentTaskStatus.Failed, task.Task.Status);
        Assert.NotNull(task.Task.EndedAt);
        Assert.Contains("cancelled", task.Task.Error, StringComparison.Ordinal);
    }
}
