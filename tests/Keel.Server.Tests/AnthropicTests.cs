using System.Text;
using System.Text.Json.Nodes;
using Keel.Server.Tests.Harness;
using OpenAI.Chat;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>An Anthropic deployment behind the OpenAI wire format: requests translated, answers and usage mapped back.</summary>
public sealed class AnthropicTests
{
    private static Task<GatewayHarness> StartAsync() =>
        GatewayHarness.StartAsync(c => c.Anthropic("claude").Alias("chat", "claude"));

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

    [Fact]
    public async Task A_tool_result_turn_is_translated_and_answered_with_text()
    {
        await using var gateway = await StartAsync();
        var body = JsonNode.Parse("""
            {"model":"chat","tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
             "messages":[{"role":"user","content":"Weather in Oslo?"},
                         {"role":"assistant","content":null,"tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}}]},
                         {"role":"tool","tool_call_id":"toolu_1","content":"Sunny, 21 C"}]}
            """)!.AsObject();

        var answer = await gateway.CompleteAsync(body);

        Assert.Equal(200, answer.Status);
        Assert.Equal("stop", answer.Json.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        var upstream = JsonNode.Parse(Assert.Single(gateway.Mock.Requests).Body)!;
        var blocks = upstream["messages"]!.AsArray().SelectMany(m => m!["content"] as JsonArray ?? []).Select(b => b!["type"]?.GetValue<string>()).ToList();
        Assert.Contains("tool_use", blocks);
        Assert.Contains("tool_result", blocks);
    }

    [Fact]
    public async Task A_failing_Anthropic_deployment_falls_back_to_an_OpenAI_one()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .Anthropic("claude", "status=529").OpenAi("gpt").Alias("chat", "claude", "gpt").Retry(maxRetries: 1));

        var answer = await gateway.CompleteAsync(ChatBody.Of());

        Assert.Equal(200, answer.Status);
        Assert.Equal("gpt", answer.Header("x-keel-deployment"));
        Assert.Equal("3", answer.Header("x-keel-attempts"));
        Assert.Equal(2, gateway.Mock.CountFor("status=529"));
    }

    [Fact]
    public async Task An_Anthropic_stream_cut_mid_answer_is_an_error_and_a_failed_step()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.Anthropic("claude", "cut-after=4").Alias("chat", "claude"));

        using var response = await gateway.PostChatAsync(ChatBody.Of("Tell me a long story about the sea", stream: true));
        var read = await SseRead.ReadAsync(response);
        await gateway.FlushAsync();

        Assert.False(read.Done);
        Assert.StartsWith("Mock answer", read.Text, StringComparison.Ordinal);
        Assert.Equal("stream_interrupted", read.Chunks[^1].GetProperty("error").GetProperty("code").GetString());
        var step = Assert.Single(await gateway.Store.GetStepsAsync(response.Headers.GetValues("x-keel-task-id").Single(), TestContext.Current.CancellationToken));
        Assert.Equal(Keel.Journal.StepStatus.Failed, step.Status);
    }
}
