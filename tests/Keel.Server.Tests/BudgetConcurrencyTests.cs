using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>Admission under contention: 200 calls at once against a budget for about 50 never overspend it.</summary>
[Collection(SerialCollection.Name)]
public sealed partial class BudgetConcurrencyTests
{
    private const int Calls = 200;
    private const int Fitting = 50;
    private const int Words = 300; // the mock answers exactly this many tokens: the real cost is close to the worst case

    [GeneratedRegex(@"the customer budget of '(?<id>[^']+)' has \$(?<left>[0-9.]+) of \$(?<limit>[0-9.]+) left")]
    private static partial Regex Refusal();

    private static System.Text.Json.Nodes.JsonObject Body(bool stream)
    {
        var body = ChatBody.Of("What does our budget allow?", stream: stream);
        body["max_tokens"] = Words;
        return body;
    }

    [Fact]
    public async Task Two_hundred_concurrent_calls_half_streamed_never_overspend_a_budget_for_fifty()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", $"words={Words}").Alias("chat", "primary"));
        var worstCase = Math.Max(GatewayBudgets.WorstCase(Body(stream: false)), GatewayBudgets.WorstCase(Body(stream: true)));
        var limit = worstCase * Fitting;
        var budget = await gateway.SetBudgetAsync(limit);

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refusals = new ConcurrentBag<JsonElement>();
        var others = new ConcurrentBag<string>();
        var succeeded = 0;
        var calls = Enumerable.Range(0, Calls).Select(i => Task.Run(async () =>
        {
            await start.Task;
            using var response = await gateway.PostChatAsync(Body(stream: i % 2 == 0));
            var status = (int)response.StatusCode;
            if (status == 402)
            {
                refusals.Add((await GatewayAnswer.ReadAsync(response)).Json.GetProperty("error"));
            }
            else if (status == 200 && (i % 2 == 1 || (await SseRead.ReadAsync(response)).Done))
            {
                Interlocked.Increment(ref succeeded);
            }
            else
            {
                others.Add($"{status}: {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
            }
        }, TestContext.Current.CancellationToken)).ToList();
        start.SetResult();
        await Task.WhenAll(calls);
        await gateway.FlushAsync();

        TestContext.Current.TestOutputHelper?.WriteLine($"{succeeded} of {Calls} admitted against a budget for {Fitting} worst cases");
        Assert.Empty(others);
        Assert.Equal(Calls, succeeded + refusals.Count);
        Assert.InRange(succeeded, 40, Calls - 1);
        Assert.All(refusals, error =>
        {
            Assert.Equal("budget_exceeded", error.GetProperty("type").GetString());
            Assert.Equal("budget_exceeded", error.GetProperty("code").GetString());
            var match = Refusal().Match(error.GetProperty("message").GetString()!);
            Assert.True(match.Success, error.GetProperty("message").GetString());
            Assert.Equal(gateway.CustomerId, match.Groups["id"].Value);
            Assert.InRange(decimal.Parse(match.Groups["left"].Value, CultureInfo.InvariantCulture), 0m, worstCase);
        });

        var usage = await gateway.CustomerUsageAsync();
        var spent = await gateway.StoreSpentAsync();
        Assert.Equal(succeeded, usage.Count);
        Assert.True(spent <= limit, $"spent {spent} of a {limit} budget");
        Assert.Equal(usage.Sum(u => u.CostUsd), spent);
        var status = await gateway.StatusAsync(budget.Id);
        Assert.Equal(spent, status.SpentUsd);
        Assert.Equal(0m, status.ReservedUsd);
        Assert.Equal(succeeded, gateway.Mock.CountFor($"words={Words}")); // refused calls never reached the provider
    }
}
