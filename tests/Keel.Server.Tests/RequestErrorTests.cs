using System.Net;
using System.Text;
using System.Text.Json;
using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>Requests the gateway refuses itself: OpenAI's error shape and status, and no upstream call.</summary>
public sealed class RequestErrorTests
{
    private static Task<GatewayHarness> StartAsync() =>
        GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary").MaxBodyBytes(2048));

    [Theory]
    [InlineData("{\"model\":\"chat\",\"messages\":[", 400, "invalid_json", null)]
    [InlineData("[1,2]", 400, "invalid_json", null)]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 400, null, "model")]
    [InlineData("{\"model\":\"chat\",\"messages\":[]}", 400, null, "messages")]
    [InlineData("{\"model\":\"chat\"}", 400, null, "messages")]
    [InlineData("{\"model\":\"chat\",\"messages\":[{\"content\":\"no role\"}]}", 400, null, "messages[0]")]
    [InlineData("{\"model\":\"gpt-nonexistent\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 404, "model_not_found", "model")]
    public async Task A_bad_body_is_refused_before_any_upstream_call(string body, int status, string? code, string? param)
    {
        await using var gateway = await StartAsync();

        using var response = await gateway.PostChatAsync(body, gateway.Key);

        var error = await ErrorAsync(response, status);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Empty(gateway.Mock.Requests);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("keel_sk_not-a-real-key")]
    [InlineData("sk-an-openai-key")]
    public async Task A_missing_or_unknown_key_gets_401(string? key)
    {
        await using var gateway = await StartAsync();

        using var response = await gateway.PostChatAsync(ChatBody.Of().ToJsonString(), key);

        var error = await ErrorAsync(response, 401);
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
        Assert.Empty(gateway.Mock.Requests);
    }

    [Fact]
    public async Task An_oversized_body_with_a_Content_Length_gets_413()
    {
        await using var gateway = await StartAsync();
        var body = ChatBody.Of(new string('x', 4096)).ToJsonString();

        using var response = await gateway.PostChatAsync(body, gateway.Key);

        Assert.Equal("request_too_large", (await ErrorAsync(response, 413)).GetProperty("code").GetString());
        Assert.Empty(gateway.Mock.Requests);
    }

    [Fact]
    public async Task An_oversized_chunked_body_gets_413()
    {
        await using var gateway = await StartAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new ChunkedContent(Encoding.UTF8.GetBytes(ChatBody.Of(new string('x', 4096)).ToJsonString())),
        };

        using var response = await gateway.SendAsync(request, gateway.Key);

        Assert.Equal("request_too_large", (await ErrorAsync(response, 413)).GetProperty("code").GetString());
        Assert.Empty(gateway.Mock.Requests);
    }

    [Fact]
    public async Task A_chunked_body_under_the_limit_is_served()
    {
        await using var gateway = await StartAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new ChunkedContent(Encoding.UTF8.GetBytes(ChatBody.Of().ToJsonString())),
        };

        using var response = await gateway.SendAsync(request, gateway.Key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The same content sent straight to the mock shows it really travels chunked.
        using var direct = new HttpClient();
        using var echoed = await direct.PostAsync(new Uri(gateway.Mock.BaseAddress, "v1/chat/completions"),
            new ChunkedContent(Encoding.UTF8.GetBytes(ChatBody.Of().ToJsonString())), TestContext.Current.CancellationToken);
        var recorded = gateway.Mock.Requests[^1];
        Assert.Equal("chunked", recorded.Headers["Transfer-Encoding"]);
        Assert.False(recorded.Headers.ContainsKey("Content-Length"));
    }

    [Theory]
    [InlineData("GET", "v1/unknown")]
    [InlineData("POST", "v1/embeddings")]
    public async Task An_unknown_route_under_v1_gets_an_OpenAI_shaped_404(string method, string path)
    {
        await using var gateway = await StartAsync();

        using var response = await gateway.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), gateway.Key);

        var error = await ErrorAsync(response, 404);
        Assert.Contains(path, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Checks the status and OpenAI's error shape; returns the <c>error</c> object.</summary>
    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error");
        Assert.Equal(["message", "type", "param", "code"], error.EnumerateObject().Select(p => p.Name));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        return error;
    }

    /// <summary>A body of unknown length, so HttpClient sends it with Transfer-Encoding: chunked.</summary>
    private sealed class ChunkedContent(byte[] bytes) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var at = 0; at < bytes.Length; at += 512)
            {
                await stream.WriteAsync(bytes.AsMemory(at, Math.Min(512, bytes.Length - at)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            SerializeToStreamAsync(stream, context);
    }
}
