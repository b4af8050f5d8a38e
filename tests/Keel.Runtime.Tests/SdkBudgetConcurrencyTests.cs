using System.Collections.Concurrent;
using Keel.Budgets;
using Keel.Pricing;
using Keel.Tasks;
using Keel.Tokens;
using Microsoft.Extensions.AI;
using Xunit;

namespace Keel.Runtime.Tests;

/// <summary>The SDK path under contention: many model calls at once against one budget never overspend it.</summary>
public sealed class SdkBudgetConcurrencyTests
{
    private const int Calls = 200;
    private const int Fitting = 50;

    [Fact]
    public async Task Two_hundred_concurrent_calls_against_a_budget_for_fifty_never_overspend_it()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var temp = await TempStore.CreateAsync();
        var acme = await temp.Store.EnsureCustomerAsync("acme", ct);
        List<ChatMessage> messages = [new(ChatRole.User, "Summarise our refund policy for a customer who bought a kettle last week.")];
        var options = new ChatOptions { MaxOutputTokens = 32 }; // the simulated answer (40+ words) is cut to it: the real cost is near the worst case
        var worstCase = WorstCase.Cost(TokenCounter.O200k.CountPrompt(messages, null), [(PriceTable.Default.Get("sim-fast"), 4_096)], 32);
        var limit = worstCase * Fitting;
        await temp.Store.UpsertBudgetAsync(TestBudgets.New(acme.Id, limit), ct);
        using var ledger = new BudgetLedger(temp.Store);
        var runtime = BudgetRuntime.Create(temp, ledger);

        var succeeded = 0;
        var refused = new ConcurrentBag<BudgetExceededException>();
        var task = await runtime.RunAsync(new DelegateAgent("fan-out", async (context, token) =>
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var calls = Enumerable.Range(0, Calls).Select(_ => Task.Run(async () =>
            {
                await start.Task.WaitAsync(token);
                try
                {
                    await context.ChatAsync(BudgetRuntime.Alias, messages, options, token);
                    Interlocked.Increment(ref succeeded);
                }
                catch (BudgetExceededException ex)
                {
                    refused.Add(ex);
                }
            }, token)).ToList();
            start.SetResult();
            await Task.WhenAll(calls);
            return "done";
        }), "go", acme.Id, cancellationToken: ct);

        TestContext.Current.TestOutputHelper?.WriteLine($"{succeeded} of {Calls} admitted against a budget for {Fitting} worst cases");
        Assert.Equal(AgentTaskStatus.Succeeded, task.Status);
        Assert.Equal(Calls, succeeded + refused.Count);
        Assert.InRange(succeeded, 40, Calls - 1);
        Assert.All(refused, ex =>
        {
            Assert.Equal(BudgetScope.Customer, ex.Scope);
            Assert.Equal(acme.Id, ex.ScopeId);
            Assert.Equal(limit, ex.LimitUsd);
            Assert.Equal(worstCase, ex.RequiredUsd);
            Assert.InRange(ex.RemainingUsd, 0m, worstCase);
            Assert.Contains($"customer budget of '{acme.Id}'", ex.Message, StringComparison.Ordinal);
        });

        var usage = await temp.Store.GetUsageAsync(task.Id, ct);
        var spent = await temp.Store.SpentAsync(BudgetScope.Customer, acme.Id, acme.Id, DateTimeOffset.MinValue, ct);
        Assert.Equal(succeeded, usage.Count);
        Assert.True(spent <= limit, $"spent {spent} of a {limit} budget");
        Assert.Equal(usage.Sum(u => u.CostUsd), spent);
        var status = Assert.Single(await ledger.StatusAsync(ct));
        Assert.Equal(spent, status.SpentUsd);
        Assert.Equal(0m, status.ReservedUsd);
    }
}
