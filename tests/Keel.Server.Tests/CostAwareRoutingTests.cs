using System.Text.Json.Nodes;
using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>An alias with degrade_at routes cheapest-first once the caller's budget passes that share.</summary>
public sealed class CostAwareRoutingTests
{
    [Fact]
    public async Task Below_the_threshold_the_policy_holds_and_above_it_the_cheaper_deployment_serves()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("premium", "words=30", model: "gpt-4o")
            .OpenAi("budget", "words=30", model: "gpt-4o-mini")
            .Alias("chat", "premium", "budget")
            .DegradeAt("chat", 0.5));
        var body = ChatBody.Of("Summarise the quarter.");
        body["max_tokens"] = 50;
        var worstCase = GatewayBudgets.WorstCase(body, model: "gpt-4o", deploymentMaxOutput: 50);
        await gateway.SetBudgetAsync(worstCase * 4);

        var first = await gateway.CompleteAsync(body);
        Assert.Equal("premium", first.Header("x-keel-deployment"));
        Assert.Equal("", first.Header("x-keel-degraded"));

        // Each premium call settles at about 60 % of its worst case, so a budget of four worst cases passes half
        // full after three or four calls, with room left to admit the next; from then on the cheaper one serves.
        GatewayAnswer answer = first;
        for (var i = 0; i < 10 && answer.Header("x-keel-degraded").Length == 0; i++)
        {
            answer = await gateway.CompleteAsync((JsonObject)body.DeepClone());
            Assert.Equal(200, answer.Status);
        }

        Assert.Equal("cheapest", answer.Header("x-keel-degraded"));
        Assert.Equal("budget", answer.Header("x-keel-deployment"));
        Assert.True(gateway.Ledger().Pressure(new Budgets.BudgetSubject(gateway.CustomerId)) >= 0.5m);
    }
}
