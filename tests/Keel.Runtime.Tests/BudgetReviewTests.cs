using Keel.Budgets;
using Keel.Journal;
using Keel.Pricing;
using Keel.Tasks;
using Keel.Usage;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>Budget behaviours found missing in review: changed periods, unreserved spending, several answers per call.</summary>
public sealed class BudgetReviewTests
{
    [Fact]
    public async Task Changing_a_budgets_period_resums_its_spending_instead_of_starting_from_zero()
    {
        await using var temp = await TempStore.CreateAsync();
        var ct = TestContext.Current.CancellationToken;
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        var task = new AgentTask { Id = KeelIds.NewTaskId(), Agent = "a", CustomerId = acme.Id, CreatedAt = DateTimeOffset.UtcNow };
        await temp.Store.CreateTaskAsync(task, ct);
        await temp.Store.CommitStepAsync(new StepCommit
        {
            Step = new StepRecord { TaskId = task.Id, Seq = 1, Kind = StepKind.Model, Name = "m", Status = StepStatus.Succeeded, StartedAt = task.CreatedAt, EndedAt = task.CreatedAt },
            Usage = [new UsageEvent { IdempotencyKey = $"{task.Id}/1/1", CustomerId = acme.Id, TaskId = task.Id, StepSeq = 1, Kind = UsageKind.Model, Resource = "m", CostUsd = 8m, CreatedAt = DateTimeOffset.UtcNow }],
        }, ct);
        var budget = await temp.Store.UpsertBudgetAsync(TestBudgets.New(acme.Id, 10m, period: BudgetPeriod.Monthly), ct);
        using var ledger = new BudgetLedger(temp.Store);
        var subject = new BudgetSubject(acme.Id);
        Assert.Equal(8m, Assert.Single(await ledger.StatusAsync(ct)).SpentUsd);

        await temp.Store.UpsertBudgetAsync(budget with { Period = BudgetPeriod.Total }, ct);
        await ledger.ReloadAsync(ct);

        Assert.Equal(8m, Assert.Single(await ledger.StatusAsync(ct)).SpentUsd);
        await Assert.ThrowsAsync<BudgetExceededException>(async () => await ledger.ReserveAsync(subject, 3m, ct));
    }

    [Fact]
    public async Task Human_time_recorded_after_the_fact_counts_against_the_budget()
    {
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", TestContext.Current.CancellationToken);
        await temp.Store.UpsertBudgetAsync(TestBudgets.New(acme.Id, 1m), TestContext.Current.CancellationToken);
        using var ledger = new BudgetLedger(temp.Store);
        var subject = new BudgetSubject(acme.Id);

        await ledger.RecordAsync(subject, 0.95m, TestContext.Current.CancellationToken);

        var refused = await Assert.ThrowsAsync<BudgetExceededException>(async () => await ledger.ReserveAsync(subject, 0.10m, TestContext.Current.CancellationToken));
        Assert.Equal(0.05m, refused.RemainingUsd);
    }

    [Fact]
    public void The_worst_case_covers_every_answer_a_call_asks_for()
    {
        var price = PriceTable.Default.Get("gpt-4o-mini");

        var one = WorstCase.Cost(100, [(price, 4_096)], requestMaxTokens: 500);
        var eight = WorstCase.Cost(100, [(price, 4_096)], requestMaxTokens: 500, choices: 8);

        Assert.Equal(price.Cost(WorstCase.InputWithMargin(100), 0, 500 * 8), eight);
        Assert.True(eight > one * 7);
    }
}
