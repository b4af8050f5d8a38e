using Keel.Journal;
using Xunit;

namespace Keel.Storage.Conformance;

public abstract partial class StoreConformanceTests
{
    [Theory]
    [InlineData("0.000000150")]
    [InlineData("0.000000001")]
    [InlineData("1234.567891234")]
    [InlineData("987654321.123456789")]
    public async Task CommitStepAsync_Cost_RoundTripsExactly(string text)
    {
        var cost = decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);

        await Store.CommitStepAsync(new StepCommit { Step = StoreSamples.NewStep(task.Id, 1, cost), Usage = [StoreSamples.NewUsage(customer.Id, task.Id, 1, cost)] }, Ct);

        Assert.Equal(cost, Assert.Single(await Store.GetUsageAsync(task.Id, Ct)).CostUsd);
        Assert.Equal(cost, Assert.Single(await Store.GetStepsAsync(task.Id, Ct)).CostUsd);
        Assert.Equal(cost, (await Store.GetTaskSummaryAsync(task.Id, Ct))?.CostUsd);
    }

    [Fact]
    public async Task CommitStepAsync_MixedCosts_TotalIsExactSum()
    {
        var customer = await Store.EnsureCustomerAsync("acme", Ct);
        var task = StoreSamples.NewTask(customer.Id);
        await Store.CreateTaskAsync(task, Ct);

        await Store.CommitStepAsync(new StepCommit
        {
            Step = StoreSamples.NewStep(task.Id, 1, 1234.567891384m),
            Usage =
            [
                StoreSamples.NewUsage(customer.Id, task.Id, 1, 0.000000150m, key: "tiny"),
                StoreSamples.NewUsage(customer.Id, task.Id, 1, 1234.567891234m, key: "large"),
            ],
        }, Ct);
        for (var seq = 2; seq <= 11; seq++)
        {
            // Ten steps of 0.1: binary floating point would drift; the total must be exactly 1.
            await Store.CommitStepAsync(new StepCommit { Step = StoreSamples.NewStep(task.Id, seq, 0.1m), Usage = [StoreSamples.NewUsage(customer.Id, task.Id, seq, 0.1m)] }, Ct);
        }

        var usage = await Store.GetUsageAsync(task.Id, Ct);
        Assert.Equal(0.000000150m, Assert.Single(usage, u => u.IdempotencyKey == "tiny").CostUsd);
        Assert.Equal(1234.567891234m, Assert.Single(usage, u => u.IdempotencyKey == "large").CostUsd);
        Assert.Equal(1234.567891384m, (await Store.GetStepsAsync(task.Id, Ct))[0].CostUsd);
        Assert.Equal(1235.567891384m, (await Store.GetTaskSummaryAsync(task.Id, Ct))?.CostUsd);
    }
}
