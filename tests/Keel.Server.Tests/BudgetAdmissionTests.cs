using System.Text.Json.Nodes;
using Keel.Budgets;
using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>Admission: a call whose worst case does not fit a budget is refused with 402 before any provider is called.</summary>
public sealed class BudgetAdmissionTests
{
    private const string Spec = "words=200";

    private static JsonObject Body(bool stream = false)
    {
        var body = ChatBody.Of("How much is left?", stream: stream);
        body["max_tokens"] = 200;
        return body;
    }

    private static async Task<int> CallAsync(GatewayHarness gateway, JsonObject body, string? key = null, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var response = await gateway.PostChatAsync(body, key, headers);
        if ((int)response.StatusCode == 200 && body["stream"] is not null)
        {
            Assert.True((await SseRead.ReadAsync(response)).Done);
        }

        return (int)response.StatusCode;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Calls_one_after_another_settle_their_real_cost_so_a_budget_for_two_and_a_half_admits_two(bool stream)
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", Spec).Alias("chat", "primary"));
        var budget = await gateway.SetBudgetAsync(GatewayBudgets.WorstCase(Body(stream)) * 2.5m);

        var statuses = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add(await CallAsync(gateway, Body(stream)));
        }

        await gateway.FlushAsync();

        Assert.Equal([200, 200, 402, 402], statuses);
        var status = await gateway.StatusAsync(budget.Id);
        Assert.Equal(await gateway.StoreSpentAsync(), status.SpentUsd);
        Assert.Equal(0m, status.ReservedUsd);
        Assert.Equal(2, gateway.Mock.CountFor(Spec));
    }

    [Theory]
    [InlineData(BudgetScope.Customer)]
    [InlineData(BudgetScope.Key)]
    [InlineData(BudgetScope.Session)]
    [InlineData(BudgetScope.Task)]
    [InlineData(BudgetScope.Agent)]
    public async Task An_exhausted_budget_of_any_scope_refuses_with_402_naming_the_scope_and_what_is_left(BudgetScope scope)
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", Spec).Alias("chat", "primary"));
        var key = (await gateway.Store.ListApiKeysAsync(TestContext.Current.CancellationToken)).Single();
        var scopeId = scope switch
        {
            BudgetScope.Key => key.Id,
            BudgetScope.Session => "sess-budget-1",
            BudgetScope.Task => "task-budget-1",
            BudgetScope.Agent => "planner",
            _ => gateway.CustomerId,
        };
        if (scope == BudgetScope.Session)
        {
            await gateway.Store.EnsureSessionAsync(scopeId, gateway.CustomerId, TestContext.Current.CancellationToken);
        }

        await gateway.SetBudgetAsync(0m, scope, scopeId);
        KeyValuePair<string, string>[] headers = [new("X-Keel-Session-Id", "sess-budget-1"), new("X-Keel-Task-Id", "task-budget-1"), new("X-Keel-Agent", "planner")];

        var answer = await gateway.CompleteAsync(Body(), headers: headers);
        using var streamed = await gateway.PostChatAsync(Body(stream: true), headers: headers);

        Assert.Equal(402, answer.Status);
        Assert.Equal(402, (int)streamed.StatusCode);
        Assert.Equal("application/json", streamed.Content.Headers.ContentType?.MediaType);
        var error = answer.Json.GetProperty("error");
        Assert.Equal("budget_exceeded", error.GetProperty("type").GetString());
        Assert.Equal("budget_exceeded", error.GetProperty("code").GetString());
        Assert.Contains($"the {scope.ToString().ToLowerInvariant()} budget of '{scopeId}' has $0 of $0 left", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, gateway.Mock.CountFor(Spec));
    }

    [Fact]
    public async Task A_budget_for_another_customer_or_agent_does_not_apply()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", Spec).Alias("chat", "primary"));
        var (globex, _) = await gateway.CreateKeyAsync("globex");
        await gateway.SetBudgetAsync(0m, BudgetScope.Customer, globex, globex);
        await gateway.SetBudgetAsync(0m, BudgetScope.Agent, "planner", globex);

        Assert.Equal(200, await CallAsync(gateway, Body(), headers: [new("X-Keel-Agent", "planner")]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_call_every_deployment_fails_releases_its_reservation_and_spends_nothing(bool stream)
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("up", Spec).OpenAi("down", "status=503").OpenAi("down-too", "status=503,code=overloaded").Alias("chat", "up").Alias("broken", "down", "down-too"));
        var budget = await gateway.SetBudgetAsync(1.00m);
        Assert.Equal(200, await CallAsync(gateway, Body(stream)));
        await gateway.FlushAsync();
        var before = await gateway.StatusAsync(budget.Id);
        Assert.True(before.SpentUsd > 0);

        var broken = Body(stream);
        broken["model"] = "broken";
        using var response = await gateway.PostChatAsync(broken);
        var failure = await GatewayAnswer.ReadAsync(response);
        await gateway.FlushAsync();

        Assert.Equal(502, failure.Status);
        Assert.Equal("upstream_error", failure.Json.GetProperty("error").GetProperty("code").GetString());
        Assert.True(gateway.Mock.CountFor("status=503") > 0);
        var after = await gateway.StatusAsync(budget.Id);
        Assert.Equal(0m, after.ReservedUsd);
        Assert.Equal(before.SpentUsd, after.SpentUsd);
        Assert.Equal(before.SpentUsd, await gateway.StoreSpentAsync());
    }
}
