using System.Text.Json.Nodes;
using Xunit;

namespace Keel.EndToEnd;

/// <summary>
/// The official openai npm client (node/*.mjs) against a real `keel serve` whose upstream is the mock: what an
/// application written for OpenAI sees when it points its base URL at Keel.
/// </summary>
public sealed class NodeClientTests(GatewayFixture gateway) : IClassFixture<GatewayFixture>
{
    private async Task<JsonNode> RunAsync(string script, string? apiKey = null)
    {
        var result = await NodeScript.RunAsync(script, gateway.OpenAiBaseUrl, apiKey ?? gateway.ApiKey);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Json();
    }

    [Fact]
    public async Task A_completion_has_the_answer_the_usage_and_the_model()
    {
        var output = await RunAsync("complete.mjs");

        Assert.Equal("chat.completion", output.Str("object"));
        Assert.Equal("gpt-4o-mini", output.Str("model"));
        Assert.Equal("assistant", output.Str("role"));
        Assert.Equal("Mock answer to: Hello from the openai npm client", output.Str("content"));
        Assert.Equal("stop", output.Str("finish_reason"));
        Assert.True(output.Long("usage.prompt_tokens") > 0, output.ToJsonString());
        Assert.Equal(9, output.Long("usage.completion_tokens"));
        Assert.Equal(output.Long("usage.prompt_tokens") + 9, output.Long("usage.total_tokens"));
    }

    [Fact]
    public async Task A_stream_assembles_the_answer_and_ends_with_the_usage_chunk()
    {
        var output = await RunAsync("stream.mjs");

        Assert.Equal("Mock answer to: Stream to the openai npm client", output.Str("text"));
        Assert.Equal("stop", output.Str("finish_reason"));
        Assert.True(output.Long("usage.prompt_tokens") > 0, output.ToJsonString());
        Assert.Equal(9, output.Long("usage.completion_tokens"));
        // OpenAI's shape: the usage comes last, in a chunk with no choices.
        Assert.Equal(output.Long("chunks") - 1, output.Long("usage_chunk.index"));
        Assert.Equal(0, output.Long("usage_chunk.choices"));
    }

    [Fact]
    public async Task A_tool_call_comes_back_with_parsed_arguments_and_its_result_gets_an_answer()
    {
        var output = await RunAsync("tools.mjs");

        Assert.Equal("tool_calls", output.Str("first.finish_reason"));
        var call = Assert.Single(output.At("first.tool_calls").AsArray())!;
        Assert.Equal("function", call.Str("type"));
        Assert.Equal("get_weather", call.Str("name"));
        Assert.Equal("x", output.Str("first.arguments.city"));
        Assert.Equal("celsius", output.Str("first.arguments.unit"));

        Assert.Equal("stop", output.Str("second.finish_reason"));
        Assert.Equal("Mock answer to: What is the weather in Lisbon?", output.Str("second.content"));
        Assert.Empty(output.At("second.tool_calls").AsArray());

        // The tool's result reached the upstream, tied to the call it answers.
        var sent = JsonNode.Parse((await gateway.MockRequestsAsync("")).Last()!.Str("body"))!;
        var toolMessage = sent.At("messages").AsArray().Last()!;
        Assert.Equal("tool", toolMessage.Str("role"));
        Assert.Equal(output.Str("tool_call_id"), toolMessage.Str("tool_call_id"));
        Assert.Contains("21", toolMessage.Str("content"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_primary_that_always_fails_is_served_by_its_fallback_with_no_error()
    {
        var failedBefore = (await gateway.MockRequestsAsync(GatewayConfigFile.FailingSpec)).Count;

        var output = await RunAsync("fallback.mjs");

        Assert.Equal(200, output.Long("primary_failing.status"));
        Assert.Equal("Mock answer to: Which deployment serves gpt-4o-mini?", output.Str("primary_failing.content"));
        Assert.Equal("1", output.Str("primary_failing.fallbacks"));
        Assert.Equal("fallback", output.Str("primary_failing.deployment"));
        Assert.Equal("3", output.Str("primary_failing.attempts")); // the primary, its one retry, then the fallback
        Assert.StartsWith("task_", output.Str("primary_failing.task_id"), StringComparison.Ordinal);
        Assert.Equal("0", output.Str("plain.fallbacks"));
        Assert.Equal("plain", output.Str("plain.deployment"));
        Assert.Equal("1", output.Str("plain.attempts"));

        // The primary really was called, and really failed: once plus its retry.
        Assert.Equal(failedBefore + 2, (await gateway.MockRequestsAsync(GatewayConfigFile.FailingSpec)).Count);
    }

    [Fact]
    public async Task A_stream_cut_mid_answer_throws_during_iteration_instead_of_finishing()
    {
        var output = await RunAsync("stream-cut.mjs");

        Assert.False(output.Bool("finished_cleanly"), output.ToJsonString());
        Assert.True(output.Long("chunks_before_error") >= 1, output.ToJsonString()); // the stream had started
        Assert.Equal("APIError", output.Str("error.kind"));
        Assert.Equal("stream_interrupted", output.Str("error.code"));
        Assert.Contains("broke off", output.Str("error.message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_model_throws_NotFoundError()
    {
        var output = await RunAsync("unknown-model.mjs");

        Assert.Equal("NotFoundError", output.Str("error.kind"));
        Assert.Equal(404, output.Long("error.status"));
        Assert.Equal("model_not_found", output.Str("error.code"));
        Assert.Equal("invalid_request_error", output.Str("error.type"));
        Assert.Equal("model", output.Str("error.param"));
        Assert.Contains("no-such-model", output.Str("error.message"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_never_issued_throws_AuthenticationError()
    {
        var output = await RunAsync("bad-key.mjs");

        Assert.Equal("AuthenticationError", output.Str("error.kind"));
        Assert.Equal(401, output.Long("error.status"));
        Assert.Equal("invalid_api_key", output.Str("error.code"));
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_gets_an_OpenAI_shaped_400()
    {
        var output = await RunAsync("malformed-json.mjs");

        Assert.Equal(400, output.Long("status"));
        Assert.StartsWith("application/json", output.Str("content_type"), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", output.Str("body.error.type"));
        Assert.Equal("invalid_json", output.Str("body.error.code"));
        Assert.True(output.IsNull("body.error.param"));
        Assert.Contains("could not parse the JSON body", output.Str("body.error.message"), StringComparison.Ordinal);
    }
}
