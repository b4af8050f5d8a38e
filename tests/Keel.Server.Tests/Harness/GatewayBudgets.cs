using System.Text;
using System.Text.Json.Nodes;
using Keel.Budgets;
using Keel.Pricing;
using Keel.Server.Wire;
using Keel.Tasks;
using Keel.Tokens;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Keel.Server.Tests.Harness;

/// <summary>Budgets on a running gateway: set them as `keel budgets set` does, read its ledger and the store's view.</summary>
internal static class GatewayBudgets
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static BudgetLedger Ledger(this GatewayHarness gateway) => gateway.App.Services.GetRequiredService<BudgetLedger>();

    /// <summary>Stores a budget and makes the running ledger load it now (it would within 2 s anyway).</summary>
    public static async Task<Budget> SetBudgetAsync(this GatewayHarness gateway, decimal limitUsd, BudgetScope scope = BudgetScope.Customer, string? scopeId = null, string? customerId = null)
    {
        var budget = await gateway.Store.UpsertBudgetAsync(new Budget
        {
            Id = KeelIds.New("bud"),
            Scope = scope,
            ScopeId = scopeId ?? gateway.CustomerId,
            CustomerId = customerId ?? gateway.CustomerId,
            LimitUsd = limitUsd,
            CreatedAt = DateTimeOffset.UtcNow,
        }, Ct);
        await gateway.Ledger().ReloadAsync(Ct);
        return budget;
    }

    public static async Task<BudgetStatus> StatusAsync(this GatewayHarness gateway, string budgetId) =>
        Assert.Single(await gateway.Ledger().StatusAsync(Ct), s => s.Budget.Id == budgetId);

    /// <summary>What the gateway reserves for <paramref name="body"/> on a single deployment of <paramref name="model"/>.</summary>
    public static decimal WorstCase(JsonObject body, string model = "gpt-4o-mini", int deploymentMaxOutput = 4_096)
    {
        var request = ChatCompletionRequest.Parse(Encoding.UTF8.GetBytes(body.ToJsonString()));
        return Budgets.WorstCase.Cost(request.PromptTokens(TokenCounter.O200k), [(PriceTable.Default.Get(model), deploymentMaxOutput)], request.MaxTokens);
    }

    /// <summary>Every usage event of a customer's tasks, as stored.</summary>
    public static async Task<IReadOnlyList<Usage.UsageEvent>> CustomerUsageAsync(this GatewayHarness gateway, string? customerId = null)
    {
        var usage = new List<Usage.UsageEvent>();
        foreach (var task in await gateway.Store.ListTasksAsync(new TaskQuery { CustomerId = customerId ?? gateway.CustomerId, Limit = 100_000 }, Ct))
        {
            usage.AddRange(await gateway.Store.GetUsageAsync(task.Task.Id, Ct));
        }

        return usage;
    }

    public static ValueTask<decimal> StoreSpentAsync(this GatewayHarness gateway, string? customerId = null) =>
        gateway.Store.SpentAsync(BudgetScope.Customer, customerId ?? gateway.CustomerId, customerId ?? gateway.CustomerId, DateTimeOffset.MinValue, Ct);
}
