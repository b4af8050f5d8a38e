using System.Net.Http.Headers;
using System.Text;
using Keel.Oversight;
using Keel.Server.Tests.Harness;
using Keel.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>
/// A client that has its answer may report on the task at once: the task API must not answer 404 for a task whose
/// first step the gateway has answered for but not yet written (the step queue commits in the background).
/// </summary>
public sealed class TaskApiOrderingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Post(string path, string json) =>
        new(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json")) };

    [Theory]
    [InlineData("outcome", """{"outcome":"success","value":3}""", 200)]
    [InlineData("interventions", """{"actor":"ann","seconds":60}""", 201)]
    public async Task A_report_right_after_the_answer_finds_the_task_while_its_step_is_still_queued(string endpoint, string json, int expected)
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        var path = ((SqliteKeelStore)gateway.Store).Path;
        await using var blocker = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        await blocker.OpenAsync(Ct);
        await using (var hold = blocker.CreateCommand())
        {
            // Another writer holds the file: the gateway's step queue cannot commit until it lets go.
            hold.CommandText = "BEGIN IMMEDIATE";
            await hold.ExecuteNonQueryAsync(Ct);
        }

        var answer = await gateway.CompleteAsync(ChatBody.Of(), headers: [new("X-Keel-Task-Id", "task-queued-1")]);
        var report = gateway.SendAsync(Post($"v1/tasks/task-queued-1/{endpoint}", json), gateway.Key);
        await using (var release = blocker.CreateCommand())
        {
            release.CommandText = "ROLLBACK";
            await release.ExecuteNonQueryAsync(Ct);
        }

        using var response = await report;
        var body = await GatewayAnswer.ReadAsync(response);
        await gateway.FlushAsync();

        Assert.Equal(200, answer.Status);
        Assert.True(body.Status == expected, body.Text);
        var summary = await gateway.Store.GetTaskSummaryAsync("task-queued-1", Ct);
        Assert.NotNull(summary);
        if (endpoint == "outcome")
        {
            Assert.Equal(TaskOutcome.Success, summary.Task.Outcome);
        }
        else
        {
            Assert.Single(await gateway.Store.GetInterventionsAsync("task-queued-1", Ct));
        }
    }
}
