using Keel.Server.Tests.Harness;
using OpenAI.Chat;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>A plain non-streamed chat completion through the official OpenAI SDK.</summary>
public sealed class CompletionTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_SDK_gets_the_upstream_answer_usage_and_model_with_Keel_headers(bool jsonConfig)
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", model: "gpt-4o-mini").Alias("chat", "primary"), json: jsonConfig);

        var result = await gateway.Chat().CompleteChatAsync([new UserChatMessage("Hello there")], cancellationToken: TestContext.Current.CancellationToken);

        var completion = result.Value;
        Assert.Equal("Mock answer to: Hello there", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal("gpt-4o-mini", completion.Model);
        Assert.Equal(3, completion.Usage.InputTokenCount); // 11 chars / 4, rounded up
        Assert.Equal(5, completion.Usage.OutputTokenCount); // one token per word
        Assert.Equal(8, completion.Usage.TotalTokenCount);

        var headers = result.GetRawResponse().Headers;
        Assert.True(headers.TryGetValue("x-keel-deployment", out var deployment));
        Assert.Equal("primary", deployment);
        Assert.True(headers.TryGetValue("x-keel-attempts", out var attempts));
        Assert.Equal("1", attempts);
        Assert.True(headers.TryGetValue("x-keel-fallbacks", out var fallbacks));
        Assert.Equal("0", fallbacks);
        Assert.True(headers.TryGetValue("x-keel-task-id", out var taskId));
        Assert.False(string.IsNullOrEmpty(taskId));
        Assert.Equal(1, gateway.Mock.CountFor(""));
    }

    [Fact]
    public async Task The_upstream_is_called_with_the_provider_key_not_the_clients_Keel_key()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", spec: "key=" + UpstreamKey.Value).Alias("chat", "primary"));

        var answer = await gateway.CompleteAsync(ChatBody.Of());

        Assert.Equal(200, answer.Status);
        var upstream = Assert.Single(gateway.Mock.Requests);
        Assert.Equal("Bearer " + UpstreamKey.Value, upstream.Headers["Authorization"]);
        Assert.DoesNotContain(gateway.Key, string.Join("\n", upstream.Headers.Values) + upstream.Body, StringComparison.Ordinal);
    }
}
