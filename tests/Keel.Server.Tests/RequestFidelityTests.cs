using System.Text.Json.Nodes;
using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>
/// The body an OpenAI-compatible upstream receives is the client's own bytes, with only the model and Keel's fields
/// changed; odd but valid JSON (fields named twice, escapes, lone surrogates) is handled, not turned into a 500.
/// </summary>
public sealed class RequestFidelityTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Fields_keel_does_not_know_reach_the_upstream_byte_identical_with_their_formatting_and_escapes()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", model: "gpt-4.1-mini").Alias("chat", "primary"));
        const string Vendor = """
            "x_vendor" : { "deep" : [1.50, -0, 1E3, true, null], "s":"caf\u00e9 \"q\" \/" }
            """;
        const string Messages = """
            "messages":[ {"role":"user","content":"hi \ud83d\udc4b \u00e9"} ]
            """;
        var body = "{ \"model\" : \"chat\", " + Vendor + ",\n  " + Messages + ", \"temperature\":0.70 }";

        using var response = await gateway.PostChatAsync(body, gateway.Key);

        Assert.Equal(200, (int)response.StatusCode);
        var upstream = Assert.Single(gateway.Mock.Requests).Body;
        Assert.Equal("{\"model\":\"gpt-4.1-mini\"," + Vendor + "," + Messages + ",\"temperature\":0.70}", upstream);
    }

    [Fact]
    public async Task A_field_named_twice_counts_once_with_its_last_value_and_the_upstream_sees_only_that_one()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", model: "gpt-4o-mini").Alias("chat", "primary"));
        const string Body = """
            {"model":"no-such-alias","temperature":1,"messages":[{"role":"user","content":"a"}],"model":"chat","temperature":0.2,
             "metadata":{"keel_agent":"first","team":"t","keel_agent":"planner"}}
            """;

        using var response = await gateway.PostChatAsync(Body, gateway.Key);
        await gateway.FlushAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("""{"model":"gpt-4o-mini","temperature":0.2,"messages":[{"role":"user","content":"a"}],"metadata":{"team":"t"}}""",
            Assert.Single(gateway.Mock.Requests).Body);
        var taskId = response.Headers.GetValues("x-keel-task-id").Single();
        Assert.Equal("planner", (await gateway.Store.GetTaskSummaryAsync(taskId, Ct))!.Task.Agent);
    }

    [Fact]
    public async Task A_message_with_a_key_named_twice_is_translated_with_the_last_value_for_a_non_OpenAI_upstream()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.Anthropic("claude").Alias("chat", "claude"));
        const string Body = """{"model":"chat","messages":[{"role":"user","content":"ignored","content":"Hello there"}]}""";

        using var response = await gateway.PostChatAsync(Body, gateway.Key);
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("Mock answer to: Hello there", answer["choices"]![0]!["message"]!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_lone_surrogate_passes_through_where_keel_does_not_read_it_and_is_refused_as_a_model_name()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));

        using var passed = await gateway.PostChatAsync("""{"model":"chat","x_note":"\ud800","messages":[{"role":"user","content":"hi"}]}""", gateway.Key);
        using var refused = await gateway.PostChatAsync("""{"model":"\ud800","messages":[{"role":"user","content":"hi"}]}""", gateway.Key);

        Assert.Equal(200, (int)passed.StatusCode);
        Assert.Contains("\"x_note\":\"\\ud800\"", Assert.Single(gateway.Mock.Requests).Body, StringComparison.Ordinal);
        Assert.Equal(400, (int)refused.StatusCode);
        Assert.Equal("invalid_json", JsonNode.Parse(await refused.Content.ReadAsStringAsync(Ct))!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Stream_options_the_client_set_are_kept_beside_the_usage_keel_asks_for()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        const string Body = """{"model":"chat","stream":true,"stream_options":{"x_opt":[1, 2],"include_usage":false},"messages":[{"role":"user","content":"hi"}]}""";

        using var response = await gateway.PostChatAsync(Body, gateway.Key);
        var events = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Contains("\"stream_options\":{\"x_opt\":[1, 2],\"include_usage\":true}", Assert.Single(gateway.Mock.Requests).Body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"usage\":{", events, StringComparison.Ordinal); // the client said no: Keel's usage chunk is not relayed
    }
}
