using System.ClientModel;
using System.Text;
using System.Text.Json;
using Keel.Journal;
using Keel.Server.Tests.Harness;
using OpenAI.Chat;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>Streams fall back only before their first byte; a stream cut after that is an error, never a clean end.</summary>
public sealed class StreamFailureTests
{
    [Theory]
    [InlineData("status=503")]
    [InlineData("cut-after=0")] // a 200 head, then the connection drops before any event
    public async Task A_primary_failing_before_the_first_byte_falls_back_transparently(string spec)
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", spec).OpenAi("secondary").Alias("chat", "primary", "secondary"));

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        await foreach (var update in gateway.Chat().CompleteChatStreamingAsync([new UserChatMessage("Hello there")], cancellationToken: TestContext.Current.CancellationToken))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            finish ??= update.FinishReason;
        }

        Assert.Equal("Mock answer to: Hello there", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.Equal(3, gateway.Mock.CountFor(spec));
        Assert.Equal(1, gateway.Mock.CountFor(""));
    }

    [Fact]
    public async Task A_raw_client_sees_the_fallback_in_headers_and_a_clean_stream()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", "status=503").OpenAi("secondary").Alias("chat", "primary", "secondary"));

        using var response = await gateway.PostChatAsync(ChatBody.Of(stream: true));
        var read = await SseRead.ReadAsync(response);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("secondary", response.Headers.GetValues("x-keel-deployment").Single());
        Assert.Equal("1", response.Headers.GetValues("x-keel-fallbacks").Single());
        Assert.Equal("4", response.Headers.GetValues("x-keel-attempts").Single());
        Assert.Null(read.Error);
        Assert.True(read.Done);
        Assert.Equal("Mock answer to: Hello there", read.Text);
    }

    [Fact]
    public async Task A_stream_cut_mid_answer_reaches_a_raw_client_as_an_error_without_DONE()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", "cut-after=2").OpenAi("secondary").Alias("chat", "primary", "secondary"));

        using var response = await gateway.PostChatAsync(ChatBody.Of("Tell me a long story about the sea", stream: true));
        var read = await SseRead.ReadAsync(response);
        await gateway.FlushAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.False(read.Done);
        Assert.DoesNotContain("[DONE]", read.Events);
        Assert.Equal(3, read.Events.Count); // the two chunks the upstream sent, then the error
        Assert.Equal("Mock answer", read.Text);
        var error = read.Chunks[^1].GetProperty("error");
        Assert.Equal("stream_interrupted", error.GetProperty("code").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.Equal(0, gateway.Mock.CountFor("")); // no fallback after the first byte

        var taskId = response.Headers.GetValues("x-keel-task-id").Single();
        var step = Assert.Single(await gateway.Store.GetStepsAsync(taskId, TestContext.Current.CancellationToken));
        Assert.Equal(StepStatus.Failed, step.Status);
        Assert.False(string.IsNullOrEmpty(step.Error));
        var task = await gateway.Store.GetTaskSummaryAsync(taskId, TestContext.Current.CancellationToken);
        Assert.Equal(Keel.Tasks.AgentTaskStatus.Failed, task!.Task.Status);
    }

    [Fact]
    public async Task A_stream_cut_mid_answer_makes_the_SDKs_enumeration_throw()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary", "cut-after=2").Alias("chat", "primary"));

        var text = new StringBuilder();
        var error = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in gateway.Chat().CompleteChatStreamingAsync([new UserChatMessage("Tell me a long story about the sea")], cancellationToken: TestContext.Current.CancellationToken))
            {
                text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            }
        });

        Assert.Equal("Mock answer", text.ToString());
        Assert.NotNull(error);
        Assert.True(error is ClientResultException or IOException or HttpRequestException or JsonException, $"unexpected {error.GetType()}: {error.Message}");
    }
}
