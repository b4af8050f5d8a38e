using System.Text.Json;
using Xunit;

namespace Keel.MockUpstream.Tests;

public sealed class IntrospectionTests
{
    private const string Body = """{"model":"m","messages":[{"role":"user","content":"remember me"}]}""";

    [Fact]
    public async Task Requests_are_recorded_with_spec_path_headers_and_body()
    {
        await using var mock = await MockHarness.StartAsync();

        await mock.PostForJsonAsync("v1/chat/completions", Body, headers: [new("X-Keel-Test", "plain")]);
        await mock.PostForJsonAsync("s/status=503/v1/chat/completions", Body, status: 503);

        var requests = mock.Server.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal("", requests[0].Spec);
        Assert.Equal("status=503", requests[1].Spec);
        Assert.All(requests, r =>
        {
            Assert.Equal("POST", r.Method);
            Assert.Equal("/v1/chat/completions", r.Path);
            Assert.Equal(Body, r.Body);
            Assert.True(r.ReceivedAt > DateTimeOffset.UtcNow.AddMinutes(-1));
        });
        Assert.Equal("plain", requests[0].Headers["x-keel-test"]);
        Assert.Equal(1, mock.Server.CountFor(""));
        Assert.Equal(1, mock.Server.CountFor("status=503"));
        Assert.Equal(0, mock.Server.CountFor("status=500"));
    }

    [Fact]
    public async Task The_HTTP_introspection_lists_requests_and_reset_forgets_them_and_the_counters()
    {
        await using var mock = await MockHarness.StartAsync();
        await mock.PostForJsonAsync("s/fail-first=1/v1/chat/completions", Body, status: 503);
        await mock.PostForJsonAsync("s/fail-first=1/v1/chat/completions", Body);

        using var listed = JsonDocument.Parse(await mock.Http.GetStringAsync("_mock/requests", TestContext.Current.CancellationToken));
        using var filtered = JsonDocument.Parse(await mock.Http.GetStringAsync("_mock/requests?spec=other", TestContext.Current.CancellationToken));
        using var reset = await mock.Http.PostAsync("_mock/reset", null, TestContext.Current.CancellationToken);
        using var empty = JsonDocument.Parse(await mock.Http.GetStringAsync("_mock/requests", TestContext.Current.CancellationToken));

        var requests = listed.RootElement.EnumerateArray().ToArray();
        Assert.Equal(2, requests.Length);
        Assert.All(requests, r =>
        {
            Assert.Equal("fail-first=1", r.GetProperty("spec").GetString());
            Assert.Equal("/v1/chat/completions", r.GetProperty("path").GetString());
            Assert.Equal(Body, r.GetProperty("body").GetString());
            Assert.Equal(JsonValueKind.Object, r.GetProperty("headers").ValueKind);
        });
        Assert.Empty(filtered.RootElement.EnumerateArray());
        Assert.True(reset.IsSuccessStatusCode);
        Assert.Empty(empty.RootElement.EnumerateArray());
        Assert.Empty(mock.Server.Requests);

        // The counter started over, so fail-first fails again.
        await mock.PostForJsonAsync("s/fail-first=1/v1/chat/completions", Body, status: 503);
    }

    [Fact]
    public async Task Recording_can_be_capped_or_turned_off_while_counts_stay_exact()
    {
        await using var mock = await MockHarness.StartAsync();
        mock.Server.MaxRecordedRequests = 2;

        for (var i = 0; i < 4; i++)
        {
            await mock.PostForJsonAsync("v1/chat/completions", Body.Replace("remember me", $"request {i}", StringComparison.Ordinal));
        }

        mock.Server.MaxRecordedRequests = 0;
        await mock.PostForJsonAsync("v1/chat/completions", Body);

        Assert.Equal(["request 2", "request 3"], mock.Server.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement
            .GetProperty("messages")[0].GetProperty("content").GetString()));
        Assert.Equal(5, mock.Server.CountFor(""));
    }
}
