using System.Text;
using Keel.Server.Tests.Harness;
using OpenAI.Chat;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>An Anthropic deployment behind the OpenAI wire format: requests translated, answers and usage mapped back.</summary>
public sealed class AnthropicTests
{
    private static Task<GatewayHarness> StartAsync() =>
        GatewayHarness.StartAsync(c => c.Anthropic("claude", model: "claude-sonnet-4").Alias("chat", "claude"), anthropic: true);

    [Fact]
    public async Task A_completion_comes_back_in_OpenAI_shape_with_usage()
    {
        await using var gateway = await StartAsync();

        var result = await gateway.Chat().CompleteChatAsync(
            [new SystemChatMessage("Be brief."), new UserChatMessage("Hello there")], cancellationToken: TestContext.Current.CancellationToken);

        var completion = result.Value;
        Assert.Equal("Mock answer to: Hello there", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(5, completion.Usage.InputTokenCount); // system + user text, 20 chars / 4
        Assert.Equal(5, completion.Usage.OutputTokenCount);
        Assert.True(result.GetRawResponse().Headers.TryGetValue("x-keel-deployment", out var deployment) && deployment == "claude");

        var upstream = Assert.Single(gateway.Mock.Requests);
        Assert.Equal("/v1/messages", upstream.Path);
        Assert.Equal("Bearer " + UpstreamKey.Value, upstream.Headers["Authorization"]); // how the Anthropic SDK sends the key
        Assert.Contains("\"model\":\"claude-sonnet-4\"", upstream.Body, StringComparison.Ordinal);
        Assert.Contains("Be brief.", upstream.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_comes_back_as_OpenAI_chunks_with_usage_and_is_priced()
    {
        await using var gateway = await StartAsync();

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in gateway.Chat().CompleteChatStreamingAsync([new UserChatMessage("Tell me a story about a boat")], cancellationToken: TestContext.Current.CancellationToken))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal("Mock answer to: Tell me a story about a boat", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.Equal(7, usage.InputTokenCount);
        Assert.Equal(10, usage.OutputTokenCount);

        await gateway.FlushAsync();
        var task = Assert.Single(await gateway.Store.ListTasksAsync(new Keel.Tasks.TaskQuery(), TestContext.Current.CancellationToken));
        var recorded = Assert.Single(await gateway.Store.GetUsageAsync(task.Task.Id, TestContext.Current.CancellationToken));
        Assert.Equal("claude-sonnet-4", recorded.Resource);
        Assert.Equal(Keel.Pricing.PriceTable.Default.Get("claude-sonnet-4").Cost(7, 0, 10), recorded.CostUsd);
    }

    [Fact]
    public async Task A_raw_stream_without_include_usage_gets_no_usage_chunk()
    {
        await using var gateway = await StartAsync();

        using var response = await gateway.PostChatAsync(ChatBody.Of(stream: true));
        var read = await SseRead.ReadAsync(response);

        Assert.True(read.Done);
        Assert.Equal("Mock answer to: Hello there", read.Text);
        Assert.All(read.Chunks, c => Assert.False(c.TryGetProperty("usage", out var u) && u.ValueKind == System.Text.Json.JsonValueKind.Object));
    }

    [Fact]
    public async Task Tool_calls_come_back_as_OpenAI_tool_calls()
    {
        await using var gateway = await StartAsync();
        var options = new ChatCompletionOptions
        {
            Tools = { ChatTool.CreateFunctionTool("get_weather", "Weather in a city.", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""")) },
        };

        var completion = (await gateway.Chat().CompleteChatAsync([new UserChatMessage("Weather in Oslo?")], options, TestContext.Current.CancellationToken)).Value;

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("get_weather", call.FunctionName);
        Assert.StartsWith("toolu_", call.Id, StringComparison.Ordinal);
        Assert.Contains("\"city\"", call.FunctionArguments.ToString(), StringComparison.Ordinal);
    }
}
