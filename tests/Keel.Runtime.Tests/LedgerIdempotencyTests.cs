using Keel.Budgets;
using Keel.Journal;
using Keel.Tasks;
using Keel.Usage;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>A usage write that is retried counts once, also in what a (re)started ledger believes was spent.</summary>
public sealed class LedgerIdempotencyTests
{
    [Fact]
    public async Task A_replayed_usage_event_counts_once_in_the_budget_a_ledger_loads()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        await temp.Store.UpsertBudgetAsync(TestBudgets.New(acme.Id, 1.00m), ct);
        var task = new AgentTask { Id = KeelIds.NewTaskId(), Agent = "a", CustomerId = acme.Id, CreatedAt = DateTimeOffset.UtcNow };
        await temp.Store.CreateTaskAsync(task, ct);
        UsageEvent Usage(string key, int seq, decimal usd) => new()
        {
            IdempotencyKey = key, CustomerId = acme.Id, TaskId = task.Id, StepSeq = seq, Kind = UsageKind.Tool, Resource = "paid_search",
            CostUsd = usd, CreatedAt = DateTimeOffset.UtcNow, Agent = "a",
        };
        StepRecord Step(int seq, decimal usd) => new()
        {
            TaskId = task.Id, Seq = seq, Kind = StepKind.Tool, Name = "paid_search", Status = StepStatus.Succeeded,
            StartedAt = DateTimeOffset.UtcNow, EndedAt = DateTimeOffset.UtcNow, CostUsd = usd,
        };
        var first = Usage($"{task.Id}/1/tool", 1, 0.25m);

        await temp.Store.CommitStepAsync(new StepCommit { Step = Step(1, 0.25m), Usage = [first] }, ct);
        await temp.Store.CommitStepAsync(new StepCommit { Step = Step(2, 0.10m), Usage = [first, Usage($"{task.Id}/2/tool", 2, 0.10m)] }, ct);
        await Assert.ThrowsAnyAsync<Exception>(async () => await temp.Store.CommitStepAsync(new StepCommit { Step = Step(1, 0.25m), Usage = [first] }, ct));

        using var ledger = new BudgetLedger(temp.Store);
        var status = Assert.Single(await ledger.StatusAsync(ct));
        Assert.Equal(0.35m, status.SpentUsd);
        Assert.Equal(0.35m, await temp.Store.SpentAsync(BudgetScope.Customer, acme.Id, acme.Id, DateTimeOffset.MinValue, ct));
        var refused = await Assert.ThrowsAsync<BudgetExceededException>(async () => await ledger.ReserveAsync(new BudgetSubject(acme.Id), 0.66m, ct));
        Assert.Equal(0.65m, refused.RemainingUsd);
    }
}
