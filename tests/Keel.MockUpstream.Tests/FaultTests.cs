using System.Net;
using System.Text.Json;
using Xunit;

namespace Keel.MockUpstream.Tests;

public sealed class FaultTests
{
    private const string Request = """{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello there"}]}""";

    private static async Task<int[]> StatusesAsync(MockHarness mock, string path, int count)
    {
        var statuses = new int[count];
        for (var i = 0; i < count; i++)
        {
            using var response = await mock.PostAsync(path, Request);
            statuses[i] = (int)response.StatusCode;
        }

        return statuses;
    }

    [Fact]
    public async Task Status_fails_every_request_with_an_OpenAI_error_body()
    {
        await using var mock = await MockHarness.StartAsync();

        var first = await mock.PostForJsonAsync("s/status=503/v1/chat/completions", Request, status: 503);
        var second = await mock.PostForJsonAsync("s/status=503/v1/chat/completions", Request, status: 503);

        foreach (var body in new[] { first, second })
        {
            var error = body.GetProperty("error");
            Assert.Equal("server_error", error.GetProperty("type").GetString());
            Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
            Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
            Assert.Equal(JsonValueKind.String, error.GetProperty("code").ValueKind);
        }
    }

    [Fact]
    public async Task Bad_request_and_rate_limit_errors_carry_their_types()
    {
        await using var mock = await MockHarness.StartAsync();

        var badRequest = await mock.PostForJsonAsync("s/status=400/v1/chat/completions", Request, status: 400);
        var limited = await mock.PostForJsonAsync("s/status=429/v1/chat/completions", Request, status: 429);
        var broken = await mock.PostForJsonAsync("s/status=500/v1/chat/completions", Request, status: 500);

        Assert.Equal("invalid_request_error", badRequest.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("rate_limit_exceeded", limited.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("server_error", broken.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Fail_first_fails_that_many_requests_then_succeeds()
    {
        await using var mock = await MockHarness.StartAsync();

        var statuses = await StatusesAsync(mock, "s/fail-first=2/v1/chat/completions", 4);

        Assert.Equal([503, 503, 200, 200], statuses);
        Assert.Equal(4, mock.Server.CountFor("fail-first=2"));
    }

    [Fact]
    public async Task Fail_first_uses_the_given_status()
    {
        await using var mock = await MockHarness.StartAsync();

        var statuses = await StatusesAsync(mock, "s/fail-first=1,status=429/v1/chat/completions", 2);

        Assert.Equal([429, 200], statuses);
    }

    [Fact]
    public async Task Rate_one_half_fails_every_other_request()
    {
        await using var mock = await MockHarness.StartAsync();

        var statuses = await StatusesAsync(mock, "s/status=500,rate=0.5/v1/chat/completions", 6);

        Assert.Equal([200, 500, 200, 500, 200, 500], statuses);
    }

    [Fact]
    public async Task Rate_fails_exactly_that_fraction_of_requests()
    {
        await using var mock = await MockHarness.StartAsync();

        var statuses = await StatusesAsync(mock, "s/rate=0.3/v1/chat/completions", 20);

        Assert.Equal(6, statuses.Count(s => s == 503));
    }

    [Fact]
    public async Task Retry_after_is_sent_in_seconds_and_milliseconds_on_429()
    {
        await using var mock = await MockHarness.StartAsync();

        using var whole = await mock.PostAsync("s/status=429,retry-after=2/v1/chat/completions", Request);
        using var fractional = await mock.PostAsync("s/status=429,retry-after=0.2/v1/chat/completions", Request);

        Assert.Equal(HttpStatusCode.TooManyRequests, whole.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), whole.Headers.RetryAfter?.Delta);
        Assert.Equal("2000", Assert.Single(whole.Headers.GetValues("retry-after-ms")));
        Assert.Equal("0.2", fractional.Headers.NonValidated["Retry-After"].ToString());
        Assert.Equal("200", Assert.Single(fractional.Headers.GetValues("retry-after-ms")));
    }

    [Fact]
    public async Task Context_window_refuses_prompts_that_exceed_it()
    {
        await using var mock = await MockHarness.StartAsync();
        var longPrompt = new string('a', 100); // 25 estimated tokens

        var refused = await mock.PostForJsonAsync("s/context-window=10/v1/chat/completions",
            $$"""{"model":"m","messages":[{"role":"user","content":"{{longPrompt}}"}]}""", status: 400);
        await mock.PostForJsonAsync("s/context-window=10/v1/chat/completions", Request);

        var error = refused.GetProperty("error");
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.StartsWith("This model's maximum context length is 10 tokens. However, your messages resulted in 25 tokens",
            error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Code_context_length_exceeded_fails_with_OpenAIs_message()
    {
        await using var mock = await MockHarness.StartAsync();

        var body = await mock.PostForJsonAsync("s/status=400,code=context_length_exceeded/v1/chat/completions", Request, status: 400);

        var error = body.GetProperty("error");
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
        Assert.StartsWith("This model's maximum context length is ", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Latency_delays_the_response()
    {
        await using var mock = await MockHarness.StartAsync();
        var started = TimeProvider.System.GetTimestamp();

        await mock.PostForJsonAsync("s/latency=150/v1/chat/completions", Request);

        var elapsed = TimeProvider.System.GetElapsedTime(started);
        Assert.True(elapsed >= TimerSlack.AtLeast(150), $"answered after {elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Hang_never_answers_and_does_not_hold_up_shutdown()
    {
        // No harness: disposing its HttpClient would end the hung request from the client side first.
        var server = await MockUpstreamServer.StartAsync(0, TestContext.Current.CancellationToken);
        using var http = new HttpClient { BaseAddress = new Uri(server.BaseAddress, "s/hang=1/") };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => http.PostAsync("v1/chat/completions", new StringContent(Request), timeout.Token));
        var stillHanging = http.PostAsync("v1/chat/completions", new StringContent(Request), TestContext.Current.CancellationToken);
        Assert.Equal(2, await WaitForCountAsync(server, "hang=1", 2));

        var stopping = TimeProvider.System.GetTimestamp();
        await server.DisposeAsync();
        Assert.True(TimeProvider.System.GetElapsedTime(stopping) < TimeSpan.FromSeconds(1.5), "a hung request held up shutdown");
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => stillHanging);
    }

    [Fact]
    public async Task Key_requires_that_bearer_token()
    {
        await using var mock = await MockHarness.StartAsync();

        var refused = await mock.PostForJsonAsync("s/key=sk-good/v1/chat/completions", Request, status: 401,
            headers: [new("Authorization", "Bearer sk-bad")]);
        await mock.PostForJsonAsync("s/key=sk-good/v1/chat/completions", Request, headers: [new("Authorization", "Bearer sk-good")]);

        Assert.Equal("invalid_api_key", refused.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_unknown_scenario_key_is_a_loud_400()
    {
        await using var mock = await MockHarness.StartAsync();

        var body = await mock.PostForJsonAsync("s/stauts=503/v1/chat/completions", Request, status: 400);

        Assert.Equal("mock_spec_error", body.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("stauts=503", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static async Task<int> WaitForCountAsync(MockUpstreamServer server, string spec, int count)
    {
        for (var i = 0; i < 200 && server.CountFor(spec) < count; i++)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return server.CountFor(spec);
    }
}
