using System.Text.Json;
using Xunit;

namespace Keel.MockUpstream.Tests;

public sealed class ChatStreamTests
{
    private const string Question = "Summarise the three documents on fleet electrification";

    private static string Request(string extra = "") =>
        $$"""{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"{{Question}}"}]{{extra}}}""";

    private static async Task<SseRead> StreamAsync(MockHarness mock, string path, string json)
    {
        using var response = await mock.PostAsync(path, json);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return await Sse.ReadAsync(response, TestContext.Current.CancellationToken);
    }

    private static JsonElement[] Chunks(SseRead read) => [.. read.Data.Select(d => JsonDocument.Parse(d).RootElement.Clone())];

    [Fact]
    public async Task A_stream_sends_role_then_content_then_finish_then_DONE_without_usage_unless_asked()
    {
        await using var mock = await MockHarness.StartAsync();

        var read = await StreamAsync(mock, "v1/chat/completions", Request());

        Assert.Null(read.Error);
        Assert.True(read.Done);
        var chunks = Chunks(read);
        Assert.All(chunks, c =>
        {
            Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString());
            Assert.Equal("gpt-4o", c.GetProperty("model").GetString());
            Assert.False(c.TryGetProperty("usage", out _));
        });
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());

        var first = chunks[0].GetProperty("choices")[0].GetProperty("delta");
        Assert.Equal("assistant", first.GetProperty("role").GetString());
        Assert.Equal("", first.GetProperty("content").GetString());

        var content = string.Concat(chunks[1..^1].Select(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        Assert.Equal("Mock answer to: " + Question[..40], content);
        Assert.True(chunks.Length > 3, "content arrives in several deltas");

        var last = chunks[^1].GetProperty("choices")[0];
        Assert.Equal("stop", last.GetProperty("finish_reason").GetString());
        Assert.Empty(last.GetProperty("delta").EnumerateObject());
    }

    [Fact]
    public async Task Include_usage_adds_a_usage_chunk_with_no_choices_before_DONE()
    {
        await using var mock = await MockHarness.StartAsync();

        var read = await StreamAsync(mock, "v1/chat/completions", Request(""","stream_options":{"include_usage":true}"""));

        Assert.True(read.Done);
        var chunks = Chunks(read);
        var usageChunk = chunks[^1];
        Assert.Empty(usageChunk.GetProperty("choices").EnumerateArray());
        var usage = usageChunk.GetProperty("usage");
        Assert.Equal((Question.Length + 3) / 4, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(("Mock answer to: " + Question[..40]).Split(' ').Length, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal("stop", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.All(chunks[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind));
    }

    [Fact]
    public async Task No_usage_drops_the_usage_chunk_even_when_asked()
    {
        await using var mock = await MockHarness.StartAsync();

        var read = await StreamAsync(mock, "s/no-usage=1/v1/chat/completions", Request(""","stream_options":{"include_usage":true}"""));

        Assert.True(read.Done);
        Assert.All(Chunks(read), c => Assert.NotEmpty(c.GetProperty("choices").EnumerateArray()));
    }

    [Fact]
    public async Task Max_tokens_ends_the_stream_with_finish_reason_length()
    {
        await using var mock = await MockHarness.StartAsync();

        var read = await StreamAsync(mock, "v1/chat/completions", Request(""","max_tokens":2"""));

        var chunks = Chunks(read);
        Assert.Equal("length", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal("Mock answer", chunks[1].GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
    }

    [Fact]
    public async Task Cut_after_sends_that_many_chunks_then_drops_the_connection_without_DONE()
    {
        await using var mock = await MockHarness.StartAsync();

        var read = await StreamAsync(mock, "s/cut-after=2/v1/chat/completions", Request());

        Assert.False(read.Done);
        Assert.NotNull(read.Error);
        Assert.Equal(2, read.Events.Count);
    }

    [Fact]
    public async Task Cut_after_on_a_non_streamed_request_leaves_the_body_incomplete()
    {
        await using var mock = await MockHarness.StartAsync();

        using var response = await mock.PostAsync("s/cut-after=1/v1/chat/completions", Request().Replace("\"stream\":true", "\"stream\":false", StringComparison.Ordinal));

        Assert.Equal(200, (int)response.StatusCode);
        await Assert.ThrowsAnyAsync<Exception>(() => response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Chunk_delay_spaces_the_chunks_out()
    {
        await using var mock = await MockHarness.StartAsync();
        var started = TimeProvider.System.GetTimestamp();

        var read = await StreamAsync(mock, "s/chunk-delay=40/v1/chat/completions", Request());

        var elapsed = TimeProvider.System.GetElapsedTime(started);
        Assert.True(read.Done);
        var gaps = read.Events.Count - 2; // no delay before the first chunk, none before [DONE]
        Assert.True(elapsed >= TimerSlack.AtLeast(40 * gaps), $"{read.Events.Count} events in {elapsed.TotalMilliseconds} ms");
    }
}
