using System.Text;
using Keel.Server.Tests.Harness;
using Keel.Tasks;
using OpenAI.Chat;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>Many calls at once: every one answered, every one recorded once, and the money adds up.</summary>
[Collection(SerialCollection.Name)]
public sealed class ConcurrencyTests
{
    private const int Calls = 200;

    [Fact]
    public async Task Two_hundred_concurrent_calls_all_succeed_and_are_each_recorded_and_priced_once()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        var chat = gateway.Chat();
        var ct = TestContext.Current.CancellationToken;

        var texts = await Task.WhenAll(Enumerable.Range(0, Calls).Select(async i =>
        {
            var prompt = $"Question number {i}";
            switch (i % 4)
            {
                case 0:
                    return (await chat.CompleteChatAsync([new UserChatMessage(prompt)], cancellationToken: ct)).Value.Content[0].Text;
                case 1:
                    var streamed = new StringBuilder();
                    await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage(prompt)], cancellationToken: ct))
                    {
                        streamed.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
                    }

                    return streamed.ToString();
                case 2:
                    var answer = await gateway.CompleteAsync(ChatBody.Of(prompt));
                    return answer.Json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString();
                default:
                    using (var response = await gateway.PostChatAsync(ChatBody.Of(prompt, stream: true)))
                    {
                        var read = await SseRead.ReadAsync(response);
                        return read.Done ? read.Text : "(stream did not finish)";
                    }
            }
        }));
        await gateway.FlushAsync();

        Assert.Equal(Enumerable.Range(0, Calls).Select(i => $"Mock answer to: Question number {i}"), texts);
        var tasks = await gateway.Store.ListTasksAsync(new TaskQuery { Limit = 1_000 }, ct);
        Assert.Equal(Calls, tasks.Count);
        Assert.All(tasks, t => Assert.Equal(AgentTaskStatus.Succeeded, t.Task.Status));
        var usage = new List<Keel.Usage.UsageEvent>();
        foreach (var task in tasks)
        {
            usage.AddRange(await gateway.Store.GetUsageAsync(task.Task.Id, ct));
        }

        Assert.Equal(Calls, usage.Count);
        Assert.Equal(Calls, usage.Select(u => u.IdempotencyKey).Distinct().Count());
        Assert.All(usage, u => Assert.True(u.CostUsd > 0));
        Assert.Equal(tasks.Sum(t => t.CostUsd), usage.Sum(u => u.CostUsd));
        var stats = await gateway.Store.GetStatsAsync(ct);
        Assert.Equal((Calls, Calls, Calls), (stats.Tasks, stats.Steps, stats.UsageEvents));
        Assert.Equal(Calls, gateway.Mock.CountFor(""));
    }
}
