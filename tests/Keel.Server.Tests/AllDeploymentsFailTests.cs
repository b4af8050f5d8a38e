using System.ClientModel;
using System.Text.Json;
using Keel.Server.Tests.Harness;
using OpenAI.Chat;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>When no deployment can answer, the status says why, in OpenAI's error shape, so SDKs raise their usual errors.</summary>
public sealed class AllDeploymentsFailTests
{
    [Theory]
    [InlineData("status=503", 502, "server_error", "upstream_error")]
    [InlineData("status=500", 502, "server_error", "upstream_error")]
    [InlineData("status=429", 429, "rate_limit_exceeded", "rate_limit_exceeded")]
    [InlineData("hang=1", 504, "server_error", "upstream_timeout")]
    public async Task The_client_gets_a_status_that_names_the_failure(string spec, int status, string type, string code)
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("primary", spec).OpenAi("secondary", spec + ",latency=1").Alias("chat", "primary", "secondary")
            .Retry(maxRetries: 1, attemptTimeoutMs: 150));

        var answer = await gateway.CompleteAsync(ChatBody.Of());

        Assert.Equal(status, answer.Status);
        var error = answer.Json.GetProperty("error");
        Assert.Equal(["message", "type", "param", "code"], error.EnumerateObject().Select(p => p.Name));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal("4", answer.Header("x-keel-attempts"));
        Assert.Equal("1", answer.Header("x-keel-fallbacks"));
        Assert.Equal(2, gateway.Mock.CountFor(spec));
        Assert.Equal(2, gateway.Mock.CountFor(spec + ",latency=1"));
    }

    [Fact]
    public async Task An_all_rate_limited_answer_carries_the_upstreams_Retry_After()
    {
        const string Limited = "status=429,retry-after=2";
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("primary", Limited).Alias("chat", "primary").Retry(maxRetries: 2, maxRetryAfterMs: 100));

        using var response = await gateway.PostChatAsync(ChatBody.Of());

        Assert.Equal(429, (int)response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
        Assert.Equal(1, gateway.Mock.CountFor(Limited)); // a wait longer than max_retry_after is not sat out
    }

    [Fact]
    public async Task The_SDK_raises_a_ClientResultException_with_the_status()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", "status=503").Alias("chat", "primary").Retry(maxRetries: 0));

        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            gateway.Chat().CompleteChatAsync([new UserChatMessage("Hello there")], cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(502, error.Status);
        using var body = JsonDocument.Parse(error.GetRawResponse()!.Content);
        Assert.Equal("upstream_error", body.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_streaming_SDK_call_raises_the_same_way_before_any_chunk()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", "status=429").Alias("chat", "primary").Retry(maxRetries: 0));

        var error = await Assert.ThrowsAsync<ClientResultException>(async () =>
        {
            await foreach (var _ in gateway.Chat().CompleteChatStreamingAsync([new UserChatMessage("Hello there")], cancellationToken: TestContext.Current.CancellationToken))
            {
            }
        });

        Assert.Equal(429, error.Status);
    }
}
