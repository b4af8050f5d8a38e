using Keel.Server.Tests.Harness;
using Keel.Tracing;
using OpenAI.Chat;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>Retries and fallbacks as a client sees them: a clean answer, and headers that say what it took.</summary>
public sealed class FallbackTests
{
    private const string Failing = "status=503";

    [Fact]
    public async Task A_primary_failing_every_time_is_retried_then_the_fallback_answers()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("primary", Failing).OpenAi("secondary").Alias("chat", "primary", "secondary").Retry(maxRetries: 2));

        var result = await gateway.Chat().CompleteChatAsync([new UserChatMessage("Hello there")], cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("Mock answer to: Hello there", result.Value.Content[0].Text);
        var headers = result.GetRawResponse().Headers;
        Assert.True(headers.TryGetValue("x-keel-deployment", out var deployment) && deployment == "secondary");
        Assert.True(headers.TryGetValue("x-keel-fallbacks", out var fallbacks) && fallbacks == "1");
        Assert.True(headers.TryGetValue("x-keel-attempts", out var attempts) && attempts == "4"); // 1 + 2 retries, then the fallback
        Assert.Equal(3, gateway.Mock.CountFor(Failing));
        Assert.Equal(1, gateway.Mock.CountFor(""));
        Assert.True(gateway.Mock.Requests[^1].Spec == "", "the fallback was called last, after the primary's retries");
    }

    [Fact]
    public async Task A_429_is_retried_after_the_delay_it_asks_for()
    {
        const string Limited = "status=429,fail-first=1,retry-after=0.3";
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", Limited).OpenAi("secondary").Alias("chat", "primary", "secondary"));

        var answer = await gateway.CompleteAsync(ChatBody.Of());
        await gateway.FlushAsync();

        Assert.Equal(200, answer.Status);
        Assert.Equal("primary", answer.Header("x-keel-deployment"));
        Assert.Equal("2", answer.Header("x-keel-attempts"));
        Assert.Equal("0", answer.Header("x-keel-fallbacks"));
        Assert.Equal(0, gateway.Mock.CountFor(""));
        var attempts = await AttemptSpansAsync(gateway, answer.Header("x-keel-task-id"));
        Assert.Equal(2, attempts.Count);
        Assert.Equal("rate_limited", attempts[0].Attributes[GenAiAttributes.ErrorType]);
        Assert.Equal(300L, attempts[0].Attributes[GenAiAttributes.KeelRetryAfterMs]);
        var gap = attempts[1].StartTime - attempts[0].EndTime;
        Assert.True(gap >= TimeSpan.FromMilliseconds(290), $"retried after {gap.TotalMilliseconds} ms; the upstream asked for 300 ms");
        Assert.Equal(SpanStatus.Ok, attempts[1].Status);
    }

    [Fact]
    public async Task An_upstream_400_is_relayed_as_it_came_without_retry_or_fallback()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", "status=400").OpenAi("secondary").Alias("chat", "primary", "secondary"));

        var answer = await gateway.CompleteAsync(ChatBody.Of());

        Assert.Equal(400, answer.Status);
        Assert.Equal(
            """{"error":{"message":"Invalid request (injected by mock-upstream).","type":"invalid_request_error","param":null,"code":"invalid_request"}}""",
            answer.Text);
        Assert.Equal(1, gateway.Mock.CountFor("status=400"));
        Assert.Equal(0, gateway.Mock.CountFor(""));
        Assert.Equal("1", answer.Header("x-keel-attempts"));
        Assert.Equal("0", answer.Header("x-keel-fallbacks"));
    }

    [Fact]
    public async Task A_context_overflow_falls_back_only_to_a_larger_window()
    {
        const string Overflow = "code=context_length_exceeded,status=400";
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("small", Overflow, contextWindow: 8_000)
            .OpenAi("same-size", "latency=0", contextWindow: 8_000)
            .OpenAi("large", "latency=1", model: "gpt-4.1", contextWindow: 1_000_000)
            .Alias("chat", "small", "same-size", "large"));

        var answer = await gateway.CompleteAsync(ChatBody.Of());

        Assert.Equal(200, answer.Status);
        Assert.Equal("large", answer.Header("x-keel-deployment"));
        Assert.Equal("2", answer.Header("x-keel-attempts"));
        Assert.Equal(1, gateway.Mock.CountFor(Overflow)); // never retried
        Assert.Equal(0, gateway.Mock.CountFor("latency=0"));
        Assert.Equal(1, gateway.Mock.CountFor("latency=1"));
    }

    [Fact]
    public async Task A_provider_rejecting_Keels_key_falls_back_without_retry()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", "status=401").OpenAi("secondary").Alias("chat", "primary", "secondary"));

        var answer = await gateway.CompleteAsync(ChatBody.Of());

        Assert.Equal(200, answer.Status);
        Assert.Equal("secondary", answer.Header("x-keel-deployment"));
        Assert.Equal("2", answer.Header("x-keel-attempts"));
        Assert.Equal(1, gateway.Mock.CountFor("status=401"));
    }

    [Fact]
    public async Task A_hanging_primary_times_out_then_the_fallback_answers()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("primary", "hang=1").OpenAi("secondary").Alias("chat", "primary", "secondary")
            .Retry(maxRetries: 1, attemptTimeoutMs: 250));

        var answer = await gateway.CompleteAsync(ChatBody.Of());
        await gateway.FlushAsync();

        Assert.Equal(200, answer.Status);
        Assert.Equal("secondary", answer.Header("x-keel-deployment"));
        Assert.Equal("3", answer.Header("x-keel-attempts"));
        Assert.Equal(2, gateway.Mock.CountFor("hang=1"));
        var attempts = await AttemptSpansAsync(gateway, answer.Header("x-keel-task-id"));
        Assert.Equal(["timeout", "timeout"], attempts.Take(2).Select(a => a.Attributes[GenAiAttributes.ErrorType]));
        // Waited for the deadline rather than failing fast (the span opens a moment after the deadline's clock starts).
        Assert.All(attempts.Take(2), a => Assert.True(a.Duration >= TimeSpan.FromMilliseconds(200), $"gave up after {a.Duration.TotalMilliseconds} ms"));
    }

    [Fact]
    public async Task An_open_circuit_keeps_later_calls_off_the_failing_primary()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c
            .OpenAi("primary", Failing).OpenAi("secondary").Alias("chat", "primary", "secondary")
            .Retry(maxRetries: 2).Breaker(minimumThroughput: 2));

        var first = await gateway.CompleteAsync(ChatBody.Of());
        var triedAfterFirst = gateway.Mock.CountFor(Failing);
        var later = new List<GatewayAnswer>();
        for (var i = 0; i < 5; i++)
        {
            later.Add(await gateway.CompleteAsync(ChatBody.Of()));
        }

        Assert.Equal(200, first.Status);
        Assert.Equal(2, triedAfterFirst); // the breaker opened after two failures, before the second retry
        Assert.Equal(triedAfterFirst, gateway.Mock.CountFor(Failing));
        Assert.Equal(6, gateway.Mock.CountFor(""));
        Assert.All(later, a =>
        {
            Assert.Equal(200, a.Status);
            Assert.Equal("secondary", a.Header("x-keel-deployment"));
            Assert.Equal("1", a.Header("x-keel-attempts")); // the skipped primary is not an attempt
            Assert.Equal("1", a.Header("x-keel-fallbacks"));
        });
    }

    /// <summary>The provider attempt spans of a task's only step, in attempt order.</summary>
    internal static async Task<List<SpanRecord>> AttemptSpansAsync(GatewayHarness gateway, string taskId)
    {
        var spans = await gateway.Store.GetSpansAsync(taskId, TestContext.Current.CancellationToken);
        var chat = Assert.Single(spans, s => s.ParentSpanId is null);
        return [.. spans.Where(s => s.ParentSpanId == chat.SpanId).OrderBy(s => (long)s.Attributes[GenAiAttributes.KeelAttempt]!)];
    }
}
