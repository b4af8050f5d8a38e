using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Keel.Server.Tests.Harness;
using OpenAI.Chat;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>Streamed completions: passed through chunk by chunk, usage only when the client asked for it.</summary>
public sealed class StreamingTests
{
    [Fact]
    public async Task The_SDK_assembles_the_streamed_text_finish_reason_and_usage()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in gateway.Chat().CompleteChatStreamingAsync([new UserChatMessage("Tell me a story about a boat")], cancellationToken: TestContext.Current.CancellationToken))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal("Mock answer to: Tell me a story about a boat", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.Equal(7, usage.InputTokenCount); // 28 chars / 4
        Assert.Equal(10, usage.OutputTokenCount);

        // The usage reached the SDK because it asks for it: the snapshot keeps the request as the client sent it.
        await gateway.FlushAsync();
        var task = Assert.Single(await gateway.Store.ListTasksAsync(new Keel.Tasks.TaskQuery(), TestContext.Current.CancellationToken));
        var chat = Assert.Single(await gateway.Store.GetSpansAsync(task.Task.Id, TestContext.Current.CancellationToken), s => s.SnapshotId is not null);
        var parameters = JsonNode.Parse((await gateway.Store.GetSnapshotAsync(chat.SnapshotId!, TestContext.Current.CancellationToken))![0])!;
        Assert.True(parameters["stream"]!.GetValue<bool>());
        Assert.True(parameters["stream_options"]!["include_usage"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Usage_reaches_a_raw_client_only_when_it_set_include_usage()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        var asked = ChatBody.Of(stream: true);
        asked["stream_options"] = new JsonObject { ["include_usage"] = true };

        using var withUsage = await gateway.PostChatAsync(asked);
        var withRead = await SseRead.ReadAsync(withUsage);
        using var without = await gateway.PostChatAsync(ChatBody.Of(stream: true));
        var withoutRead = await SseRead.ReadAsync(without);

        Assert.True(withRead.Done);
        Assert.True(withoutRead.Done);
        Assert.Equal("Mock answer to: Hello there", withoutRead.Text);
        var usageChunk = withRead.Chunks[^1];
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        Assert.Equal(5, usageChunk.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.DoesNotContain(withoutRead.Chunks, c => c.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object);
        Assert.All(withoutRead.Chunks, c => Assert.True(c.GetProperty("choices").GetArrayLength() > 0));

        // Keel asked the upstream for usage both times, to price the call.
        Assert.All(gateway.UpstreamBodies(), b => Assert.True(b["stream_options"]!["include_usage"]!.GetValue<bool>()));

        await gateway.FlushAsync();
        var taskId = without.Headers.GetValues("x-keel-task-id").Single();
        var step = Assert.Single(await gateway.Store.GetStepsAsync(taskId, TestContext.Current.CancellationToken));
        Assert.Equal(3, step.InputTokens);
        Assert.Equal(5, step.OutputTokens);
        Assert.True(step.CostUsd > 0);
        var usage = Assert.Single(await gateway.Store.GetUsageAsync(taskId, TestContext.Current.CancellationToken));
        Assert.Equal(step.CostUsd, usage.CostUsd);
    }
}
