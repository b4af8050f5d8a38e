using System.Text.Json;
using Xunit;

namespace Keel.MockUpstream.Tests;

public sealed class ChatCompletionTests
{
    private const string Question = "What is the refund policy for orders that arrived damaged?";

    private static string Request(string extra = "") =>
        $$"""{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"{{Question}}"}]{{extra}}}""";

    [Fact]
    public async Task A_plain_completion_has_OpenAIs_shape()
    {
        await using var mock = await MockHarness.StartAsync();

        var body = await mock.PostForJsonAsync("v1/chat/completions", Request());

        Assert.StartsWith("chatcmpl-", body.GetProperty("id").GetString());
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        Assert.True(body.GetProperty("created").GetInt64() > 1_700_000_000);
        Assert.Equal("gpt-4o-mini", body.GetProperty("model").GetString());
        Assert.Equal(JsonValueKind.String, body.GetProperty("system_fingerprint").ValueKind);
        var choice = Assert.Single(body.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, choice.GetProperty("index").GetInt32());
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        var message = choice.GetProperty("message");
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Equal("Mock answer to: " + Question[..40], message.GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("refusal").ValueKind);
        Assert.False(message.TryGetProperty("tool_calls", out _));

        var usage = body.GetProperty("usage");
        var promptChars = "Be brief.".Length + Question.Length;
        Assert.Equal((promptChars + 3) / 4, usage.GetProperty("prompt_tokens").GetInt32());
        var words = ("Mock answer to: " + Question[..40]).Split(' ').Length; // one token per word
        Assert.Equal(words, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + words, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Max_tokens_truncates_the_answer_with_finish_reason_length()
    {
        await using var mock = await MockHarness.StartAsync();

        var legacy = await mock.PostForJsonAsync("v1/chat/completions", Request(""","max_tokens":3"""));
        var current = await mock.PostForJsonAsync("v1/chat/completions", Request(""","max_completion_tokens":3"""));

        foreach (var body in new[] { legacy, current })
        {
            var choice = body.GetProperty("choices")[0];
            Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
            Assert.Equal("Mock answer to:", choice.GetProperty("message").GetProperty("content").GetString());
            Assert.Equal(3, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        }
    }

    [Fact]
    public async Task Json_object_format_answers_with_a_JSON_object()
    {
        await using var mock = await MockHarness.StartAsync();

        var body = await mock.PostForJsonAsync("v1/chat/completions", Request(""","response_format":{"type":"json_object"}"""));

        var content = body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        using var parsed = JsonDocument.Parse(content);
        Assert.Equal("Mock answer to: " + Question[..40], parsed.RootElement.GetProperty("answer").GetString());
    }

    [Fact]
    public async Task Json_schema_format_answers_with_every_schema_property()
    {
        await using var mock = await MockHarness.StartAsync();
        const string Format = """
            ,"response_format":{"type":"json_schema","json_schema":{"name":"refund","strict":true,"schema":{"type":"object",
              "properties":{"eligible":{"type":"boolean"},"reason":{"type":"string"},"days":{"type":"integer"},"kind":{"enum":["full","partial"]}},
              "required":["eligible","reason","days","kind"],"additionalProperties":false}}}
            """;

        var body = await mock.PostForJsonAsync("v1/chat/completions", Request(Format));

        var content = body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        using var parsed = JsonDocument.Parse(content);
        Assert.True(parsed.RootElement.GetProperty("eligible").GetBoolean());
        Assert.Equal("x", parsed.RootElement.GetProperty("reason").GetString());
        Assert.Equal(1, parsed.RootElement.GetProperty("days").GetInt32());
        Assert.Equal("full", parsed.RootElement.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task No_usage_omits_the_usage_field()
    {
        await using var mock = await MockHarness.StartAsync();

        var body = await mock.PostForJsonAsync("s/no-usage=1/v1/chat/completions", Request());

        Assert.False(body.TryGetProperty("usage", out _));
        Assert.Equal("stop", body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Words_sets_the_answer_length_for_benchmarks()
    {
        await using var mock = await MockHarness.StartAsync();

        var body = await mock.PostForJsonAsync("s/words=50/v1/chat/completions", Request());

        var content = body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        Assert.Equal(50, content.Split(' ').Length);
        Assert.Equal(50, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Models_are_listed_in_OpenAIs_list_shape()
    {
        await using var mock = await MockHarness.StartAsync();

        var text = await mock.Http.GetStringAsync("v1/models", TestContext.Current.CancellationToken);

        using var body = JsonDocument.Parse(text);
        Assert.Equal("list", body.RootElement.GetProperty("object").GetString());
        Assert.All(body.RootElement.GetProperty("data").EnumerateArray(), model =>
        {
            Assert.Equal("model", model.GetProperty("object").GetString());
            Assert.False(string.IsNullOrEmpty(model.GetProperty("id").GetString()));
        });
    }

    [Fact]
    public async Task A_malformed_request_is_refused_as_OpenAI_refuses_it()
    {
        await using var mock = await MockHarness.StartAsync();

        var notJson = await mock.PostForJsonAsync("v1/chat/completions", "{not json", status: 400);
        var noMessages = await mock.PostForJsonAsync("v1/chat/completions", """{"model":"m"}""", status: 400);
        var unknown = await mock.PostForJsonAsync("v1/embeddings", "{}", status: 404);

        Assert.Equal("invalid_request_error", notJson.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("messages", noMessages.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("unknown_url", unknown.GetProperty("error").GetProperty("code").GetString());
    }
}
