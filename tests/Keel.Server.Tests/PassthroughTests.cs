using System.Text.Json.Nodes;
using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>What the client sends reaches an OpenAI-compatible upstream unchanged, except the model and Keel's own fields.</summary>
public sealed class PassthroughTests
{
    [Fact]
    public async Task Unknown_fields_pass_through_the_model_is_rewritten_and_keel_metadata_is_stripped()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", model: "gpt-4.1-mini").Alias("chat", "primary"));
        var body = ChatBody.Of();
        body["x_vendor_flag"] = 7;
        body["logit_bias"] = new JsonObject { ["50256"] = -100 };
        body["temperature"] = 0.25;
        body["metadata"] = new JsonObject { ["team"] = "search", ["keel_agent"] = "planner", ["keel_session_id"] = "sess-meta" };

        var answer = await gateway.CompleteAsync(body);

        Assert.Equal(200, answer.Status);
        Assert.Equal("gpt-4.1-mini", answer.Json.GetProperty("model").GetString());
        var upstream = Assert.Single(gateway.UpstreamBodies());
        Assert.Equal("gpt-4.1-mini", upstream["model"]!.GetValue<string>());
        Assert.Equal(7, upstream["x_vendor_flag"]!.GetValue<int>());
        Assert.True(JsonNode.DeepEquals(body["logit_bias"], upstream["logit_bias"]));
        Assert.Equal(0.25, upstream["temperature"]!.GetValue<double>());
        Assert.True(JsonNode.DeepEquals(body["messages"], upstream["messages"]));
        Assert.Equal("""{"team":"search"}""", upstream["metadata"]!.ToJsonString());
        Assert.Null(upstream["stream_options"]); // only streams get include_usage added
    }

    [Fact]
    public async Task Metadata_holding_only_keel_fields_is_dropped_whole()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        var body = ChatBody.Of();
        body["metadata"] = new JsonObject { ["keel_agent"] = "planner" };

        Assert.Equal(200, (await gateway.CompleteAsync(body)).Status);

        Assert.False(Assert.Single(gateway.UpstreamBodies()).ContainsKey("metadata"));
    }

    [Fact]
    public async Task Accented_CJK_and_RTL_text_reaches_the_upstream_byte_exact_and_comes_back_intact()
    {
        const string Text = "Héllo 世界 مرحبا בעולם";
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));

        var content = await RoundTripAsync(gateway, Text);

        // Written raw, as the client wrote it: no \u escapes on the way up.
        Assert.Contains("\"content\":\"" + Text + "\"", Assert.Single(gateway.Mock.Requests).Body, StringComparison.Ordinal);
        Assert.Equal("Mock answer to: " + Text, content);
    }

    [Fact]
    public async Task Emoji_reach_the_upstream_and_come_back_as_the_same_text()
    {
        const string Text = "Wave 👋🏽 and 🇳🇴 flag";
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));

        var content = await RoundTripAsync(gateway, Text);

        // The client's bytes go up unchanged (no re-serialising, which would escape them as \uD83D\uDC4B).
        Assert.Contains("\"content\":\"" + Text + "\"", Assert.Single(gateway.Mock.Requests).Body, StringComparison.Ordinal);
        Assert.Equal("Mock answer to: " + Text, content);
    }

    /// <summary>Sends <paramref name="text"/> as raw UTF-8 in a hand-written body; returns the answer's content.</summary>
    private static async Task<string> RoundTripAsync(GatewayHarness gateway, string text)
    {
        var body = $$"""{"model":"chat","messages":[{"role":"user","content":"{{text}}"}]}""";
        using var response = await gateway.PostChatAsync(body, gateway.Key);
        var bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)response.StatusCode);
        return JsonNode.Parse(bytes)!["choices"]![0]!["message"]!["content"]!.GetValue<string>();
    }
}
