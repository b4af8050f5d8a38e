using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Keel.MockUpstream.Tests;

/// <summary>A mock server started in-process for one test, and a plain HttpClient pointed at it.</summary>
internal sealed class MockHarness : IAsyncDisposable
{
    private MockHarness(MockUpstreamServer server)
    {
        Server = server;
        Http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public MockUpstreamServer Server { get; }

    public HttpClient Http { get; }

    public static async Task<MockHarness> StartAsync() =>
        new(await MockUpstreamServer.StartAsync(0, TestContext.Current.CancellationToken));

    /// <summary>Posts JSON and returns as soon as the head arrives, so streams can be read as they come.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, string json, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json")) };
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
    }

    public static IEnumerable<KeyValuePair<string, string>> AnthropicHeaders(string apiKey = "sk-ant-test") =>
        [new("x-api-key", apiKey), new("anthropic-version", "2023-06-01")];

    /// <summary>Posts JSON, expects <paramref name="status"/>, and returns the parsed body.</summary>
    public async Task<JsonElement> PostForJsonAsync(string path, string json, int status = 200, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var response = await PostAsync(path, json, headers);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}
