using System.Text.Json;
using Xunit;

namespace Keel.MockUpstream.Tests;

public sealed class AnthropicTests
{
    private const string Question = "Draft a refund note for order 42";

    private static string Request(string extra = "") =>
        $$"""{"model":"claude-sonnet-4-5","max_tokens":1024,"system":"Be brief.","messages":[{"role":"user","content":"{{Question}}"}]{{extra}}}""";

    [Fact]
    public async Task A_message_has_Anthropics_shape()
    {
        await using var mock = await MockHarness.StartAsync();

        var body = await mock.PostForJsonAsync("v1/messages", Request(), headers: MockHarness.AnthropicHeaders());

        Assert.StartsWith("msg_", body.GetProperty("id").GetString());
        Assert.Equal("message", body.GetProperty("type").GetString());
        Assert.Equal("assistant", body.GetProperty("role").GetString());
        Assert.Equal("claude-sonnet-4-5", body.GetProperty("model").GetString());
        var block = Assert.Single(body.GetProperty("content").EnumerateArray());
        Assert.Equal("text", block.GetProperty("type").GetString());
        Assert.Equal("Mock answer to: " + Question, block.GetProperty("text").GetString());
        Assert.Equal("end_turn", body.GetProperty("stop_reason").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("stop_sequence").ValueKind);
        var usage = body.GetProperty("usage");
        Assert.Equal(("Be brief.".Length + Question.Length + 3) / 4, usage.GetProperty("input_tokens").GetInt32());
        Assert.Equal(("Mock answer to: " + Question).Split(' ').Length, usage.GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task A_stream_sends_Anthropics_event_sequence()
    {
        await using var mock = await MockHarness.StartAsync();

        using var response = await mock.PostAsync("v1/messages", Request(""","stream":true"""), MockHarness.AnthropicHeaders());
        var read = await Sse.ReadAsync(response, TestContext.Current.CancellationToken);

        Assert.Null(read.Error);
        var names = read.Events.Select(e => e.Name).ToArray();
        Assert.Equal(["message_start", "content_block_start", "ping"], names[..3]);
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], names[^3..]);
        Assert.All(names[3..^3], n => Assert.Equal("content_block_delta", n));
        var data = read.Events.Select(e => JsonDocument.Parse(e.Data).RootElement.Clone()).ToArray();
        Assert.All(read.Events.Zip(data), pair => Assert.Equal(pair.First.Name, pair.Second.GetProperty("type").GetString()));

        var text = string.Concat(data.Where(d => d.GetProperty("type").GetString() == "content_block_delta")
            .Select(d => d.GetProperty("delta").GetProperty("text").GetString()));
        Assert.Equal("Mock answer to: " + Question, text);
        var delta = data[^2];
        Assert.Equal("end_turn", delta.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(text.Split(' ').Length, delta.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.True(data[0].GetProperty("message").GetProperty("usage").GetProperty("input_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Tools_are_answered_with_tool_use_blocks_until_a_tool_result_comes_back()
    {
        await using var mock = await MockHarness.StartAsync();
        const string Tools = ""","tools":[{"name":"lookup_order","input_schema":{"type":"object","properties":{"order_id":{"type":"string"}}}},{"name":"refund_policy","input_schema":{"type":"object"}}]""";
        const string WithResult = """
            {"model":"claude-sonnet-4-5","max_tokens":1024,"messages":[
              {"role":"user","content":"Where is order 42?"},
              {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"lookup_order","input":{"order_id":"42"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"shipped"}]}]
            """;

        var calling = await mock.PostForJsonAsync("v1/messages", Request(Tools), headers: MockHarness.AnthropicHeaders());
        var answered = await mock.PostForJsonAsync("v1/messages", WithResult + Tools + "}", headers: MockHarness.AnthropicHeaders());

        Assert.Equal("tool_use", calling.GetProperty("stop_reason").GetString());
        var blocks = calling.GetProperty("content").EnumerateArray().ToArray();
        Assert.Equal(["lookup_order", "refund_policy"], blocks.Select(b => b.GetProperty("name").GetString()));
        Assert.All(blocks, b =>
        {
            Assert.Equal("tool_use", b.GetProperty("type").GetString());
            Assert.StartsWith("toolu_", b.GetProperty("id").GetString());
        });
        Assert.Equal("x", blocks[0].GetProperty("input").GetProperty("order_id").GetString());
        Assert.Equal("end_turn", answered.GetProperty("stop_reason").GetString());
        Assert.Equal("Mock answer to: Where is order 42?", answered.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_streamed_tool_use_sends_input_json_deltas()
    {
        await using var mock = await MockHarness.StartAsync();
        const string Tools = ""","stream":true,"tools":[{"name":"lookup_order","input_schema":{"type":"object","properties":{"order_id":{"type":"string"}}}}]""";

        using var response = await mock.PostAsync("v1/messages", Request(Tools), MockHarness.AnthropicHeaders());
        var read = await Sse.ReadAsync(response, TestContext.Current.CancellationToken);

        var data = read.Events.Select(e => JsonDocument.Parse(e.Data).RootElement.Clone()).ToArray();
        var start = data.Single(d => d.GetProperty("type").GetString() == "content_block_start").GetProperty("content_block");
        Assert.Equal("tool_use", start.GetProperty("type").GetString());
        Assert.Equal("lookup_order", start.GetProperty("name").GetString());
        var json = string.Concat(data.Where(d => d.GetProperty("type").GetString() == "content_block_delta")
            .Select(d => d.GetProperty("delta"))
            .Select(d => { Assert.Equal("input_json_delta", d.GetProperty("type").GetString()); return d.GetProperty("partial_json").GetString(); }));
        Assert.Equal("""{"order_id":"x"}""", json);
        Assert.Equal("tool_use", data[^2].GetProperty("delta").GetProperty("stop_reason").GetString());
    }

    [Fact]
    public async Task A_missing_api_key_is_401_and_a_missing_version_400_in_Anthropics_error_shape()
    {
        await using var mock = await MockHarness.StartAsync();

        var noKey = await mock.PostForJsonAsync("v1/messages", Request(), status: 401, headers: [new("anthropic-version", "2023-06-01")]);
        var noVersion = await mock.PostForJsonAsync("v1/messages", Request(), status: 400, headers: [new("x-api-key", "sk-ant-test")]);

        Assert.Equal("error", noKey.GetProperty("type").GetString());
        Assert.Equal("authentication_error", noKey.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("invalid_request_error", noVersion.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("anthropic-version", noVersion.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scenarios_apply_with_Anthropics_error_types()
    {
        await using var mock = await MockHarness.StartAsync();

        var overloaded = await mock.PostForJsonAsync("s/status=529/v1/messages", Request(), status: 529, headers: MockHarness.AnthropicHeaders());
        var limited = await mock.PostForJsonAsync("s/status=429/v1/messages", Request(), status: 429, headers: MockHarness.AnthropicHeaders());
        var tooLong = await mock.PostForJsonAsync("s/context-window=5/v1/messages", Request(), status: 400, headers: MockHarness.AnthropicHeaders());

        Assert.Equal("overloaded_error", overloaded.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("rate_limit_error", limited.GetProperty("error").GetProperty("type").GetString());
        Assert.StartsWith("prompt is too long", tooLong.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Max_tokens_is_required_and_truncates_with_stop_reason_max_tokens()
    {
        await using var mock = await MockHarness.StartAsync();

        var missing = await mock.PostForJsonAsync("v1/messages", Request().Replace("\"max_tokens\":1024,", "", StringComparison.Ordinal), status: 400,
            headers: MockHarness.AnthropicHeaders());
        var truncated = await mock.PostForJsonAsync("v1/messages", Request().Replace("1024", "2", StringComparison.Ordinal),
            headers: MockHarness.AnthropicHeaders());

        Assert.Contains("max_tokens", missing.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("max_tokens", truncated.GetProperty("stop_reason").GetString());
        Assert.Equal("Mock answer", truncated.GetProperty("content")[0].GetProperty("text").GetString());
    }
}
