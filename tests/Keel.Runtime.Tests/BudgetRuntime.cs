using Keel.Budgets;
using Keel.Metering;
using Keel.Pricing;
using Keel.Resilience;
using Keel.Routing;
using Keel.Tasks;

namespace Keel.Runtime.Tests;

/// <summary>An agent runtime with a budget ledger over simulated deployments (no latency), and ways to spend exact amounts.</summary>
internal static class BudgetRuntime
{
    public const string Alias = "m";

    private static readonly ResilienceOptions Fast = new() { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1), AttemptTimeout = TimeSpan.FromSeconds(5) };

    public static AgentRuntime Create(TempStore temp, BudgetLedger ledger, TimeProvider? time = null) =>
        new(temp.Store, new ResilientModelCaller(new ModelCatalog([new ModelRoute(Alias, [Sim.Deployment("a")])]), Fast), new UsageMeter(PriceTable.Default), time, ledger);

    /// <summary>Runs a task that makes one paid tool call of <paramref name="usd"/>; returns the refusal, if it was refused.</summary>
    public static async Task<BudgetExceededException?> SpendAsync(this AgentRuntime runtime, string customerId, decimal usd, string agent = "buyer")
    {
        BudgetExceededException? refused = null;
        var task = await runtime.RunAsync(new DelegateAgent(agent, async (context, token) =>
        {
            try
            {
                return await context.ToolAsync("paid_search", null, (_, _) => Task.FromResult("found"), usd, cancellationToken: token);
            }
            catch (BudgetExceededException ex)
            {
                refused = ex;
                return "refused";
            }
        }), "spend", customerId, cancellationToken: Xunit.TestContext.Current.CancellationToken);
        return task.Status == AgentTaskStatus.Succeeded ? refused : throw new InvalidOperationException($"The task failed: {task.Error}");
    }
}
