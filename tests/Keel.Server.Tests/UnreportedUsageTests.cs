using System.Text.Json.Nodes;
using Keel.Server.Tests.Harness;
using Keel.Server.Wire;
using Keel.Tokens;
using Keel.Usage;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>An upstream that reports no usage (or a stream cut before it) is priced by counting: never at $0.</summary>
public sealed class UnreportedUsageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int PromptTokens(JsonObject body) =>
        ChatCompletionRequest.Parse(System.Text.Encoding.UTF8.GetBytes(body.ToJsonString())).PromptTokens(TokenCounter.O200k);

    private static async Task<UsageEvent> UsageOfAsync(GatewayHarness gateway, HttpResponseMessage response)
    {
        await gateway.FlushAsync();
        return Assert.Single(await gateway.Store.GetUsageAsync(response.Headers.GetValues("x-keel-task-id").Single(), Ct));
    }

    [Fact]
    public async Task A_stream_without_a_usage_chunk_is_priced_by_counting_its_tokens()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", "no-usage=1").Alias("chat", "primary"));
        var budget = await gateway.SetBudgetAsync(1.00m);
        var body = ChatBody.Of("Tell me a long story about the sea", stream: true);

        using var response = await gateway.PostChatAsync(body);
        var read = await SseRead.ReadAsync(response);
        var usage = await UsageOfAsync(gateway, response);

        Assert.True(read.Done);
        Assert.DoesNotContain(read.Chunks, c => c.TryGetProperty("usage", out var u) && u.ValueKind == System.Text.Json.JsonValueKind.Object);
        Assert.Equal(TokenCounter.O200k.Count(read.Text), usage.OutputTokens);
        Assert.True(usage.OutputTokens > 0);
        Assert.Equal(PromptTokens(body), usage.InputTokens);
        Assert.True(usage.CostUsd > 0);
        Assert.Equal(usage.CostUsd, (await gateway.StatusAsync(budget.Id)).SpentUsd);
    }

    [Fact]
    public async Task A_stream_cut_mid_answer_is_priced_for_what_was_sent()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", "cut-after=2").Alias("chat", "primary"));
        var budget = await gateway.SetBudgetAsync(1.00m);

        using var response = await gateway.PostChatAsync(ChatBody.Of("Tell me a long story about the sea", stream: true));
        var read = await SseRead.ReadAsync(response);
        var usage = await UsageOfAsync(gateway, response);

        Assert.False(read.Done);
        Assert.Equal("Mock answer", read.Text);
        Assert.True(usage.OutputTokens > 0);
        Assert.True(usage.CostUsd > 0);
        var status = await gateway.StatusAsync(budget.Id);
        Assert.Equal(usage.CostUsd, status.SpentUsd);
        Assert.Equal(0m, status.ReservedUsd);
    }

    [Fact]
    public async Task A_whole_answer_without_usage_is_priced_by_counting_its_tokens()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", "no-usage=1").Alias("chat", "primary"));
        var budget = await gateway.SetBudgetAsync(1.00m);
        var body = ChatBody.Of("Tell me a long story about the sea");

        using var response = await gateway.PostChatAsync(body);
        var answer = await GatewayAnswer.ReadAsync(response);
        var usage = await UsageOfAsync(gateway, response);

        Assert.Equal(200, answer.Status);
        Assert.False(answer.Json.TryGetProperty("usage", out _));
        var text = answer.Json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        Assert.Equal(TokenCounter.O200k.Count(text), usage.OutputTokens);
        Assert.Equal(PromptTokens(body), usage.InputTokens);
        Assert.True(usage.CostUsd > 0);
        Assert.Equal(usage.CostUsd, (await gateway.StatusAsync(budget.Id)).SpentUsd);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_counted_answer_never_costs_more_than_its_reservation(bool stream)
    {
        // The mock bills one token per word; o200k counts a long unbroken word as many. The provider bills at most
        // max_tokens, so a count above it is wrong, and settling it would overspend a budget that held the worst case.
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", "no-usage=1").Alias("chat", "primary"));
        var body = ChatBody.Of(new string('ж', 40), stream: stream);
        body["max_tokens"] = 4; // "Mock answer to: жжж...": four words
        var limit = GatewayBudgets.WorstCase(body);
        var budget = await gateway.SetBudgetAsync(limit);

        using var response = await gateway.PostChatAsync(body);
        Assert.Equal(200, (int)response.StatusCode);
        var text = stream
            ? (await SseRead.ReadAsync(response)).Text
            : (await GatewayAnswer.ReadAsync(response)).Json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        var usage = await UsageOfAsync(gateway, response);

        Assert.True(TokenCounter.O200k.Count(text) > 8, "the precondition: o200k counts the answer as far more than 4 tokens");
        Assert.Equal(4, usage.OutputTokens);
        Assert.True(usage.CostUsd <= limit, $"cost {usage.CostUsd} for a reservation of {limit}");
        var status = await gateway.StatusAsync(budget.Id);
        Assert.True(status.SpentUsd <= limit, $"spent {status.SpentUsd} of {limit}");
    }
}
