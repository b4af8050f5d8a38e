using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Keel.Oversight;
using Keel.Server.Tests.Harness;
using Keel.Usage;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>REST on a customer's own tasks: human time priced at the customer's rate, outcomes; 404 for anyone else's.</summary>
public sealed class TaskApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<GatewayAnswer> PostAsync(GatewayHarness gateway, string path, string json, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json")) };
        using var response = await gateway.SendAsync(request, key);
        return await GatewayAnswer.ReadAsync(response);
    }

    /// <summary>A gateway task with one model call; the client goes on to the REST calls as soon as it has the answer.</summary>
    private static async Task<string> TaskWithOneCallAsync(GatewayHarness gateway)
    {
        var answer = await gateway.CompleteAsync(ChatBody.Of(), headers: [new("X-Keel-Task-Id", "task-rest-1")]);
        Assert.Equal(200, answer.Status);
        return answer.Header("x-keel-task-id");
    }

    [Fact]
    public async Task Ten_minutes_of_a_persons_time_at_ninety_an_hour_cost_fifteen_dollars()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        await gateway.Store.SetHumanRateAsync(gateway.CustomerId, 90m, Ct);
        var taskId = await TaskWithOneCallAsync(gateway);

        var created = await PostAsync(gateway, $"v1/tasks/{taskId}/interventions", """{"actor":"ann","seconds":600,"kind":"approval","decision":"approved"}""", gateway.Key);
        await gateway.FlushAsync();

        Assert.Equal(201, created.Status);
        Assert.Equal(15m, created.Json.GetProperty("cost_usd").GetDecimal());
        Assert.Equal(600, created.Json.GetProperty("seconds").GetDouble());
        Assert.Equal(2, created.Json.GetProperty("step").GetInt32());
        var usage = await gateway.Store.GetUsageAsync(taskId, Ct);
        var human = Assert.Single(usage, u => u.Kind == UsageKind.Human);
        Assert.Equal(15m, human.CostUsd);
        Assert.Equal(600m, human.Quantity);
        var summary = await gateway.Store.GetTaskSummaryAsync(taskId, Ct);
        Assert.Equal(usage.Sum(u => u.CostUsd), summary!.CostUsd);
        var intervention = Assert.Single(await gateway.Store.GetInterventionsAsync(taskId, Ct));
        Assert.Equal(("ann", InterventionKind.Approval, "approved"), (intervention.Actor, intervention.Kind, intervention.Decision));
    }

    [Fact]
    public async Task An_outcome_reported_by_the_client_is_stored_on_its_task()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        var taskId = await TaskWithOneCallAsync(gateway);

        var reported = await PostAsync(gateway, $"v1/tasks/{taskId}/outcome", """{"outcome":"success","value":12.5}""", gateway.Key);
        var invalid = await PostAsync(gateway, $"v1/tasks/{taskId}/outcome", """{"outcome":"maybe"}""", gateway.Key);

        Assert.Equal(200, reported.Status);
        Assert.Equal("success", reported.Json.GetProperty("outcome").GetString());
        Assert.Equal(400, invalid.Status);
        Assert.Equal("outcome", invalid.Json.GetProperty("error").GetProperty("param").GetString());
        var task = (await gateway.Store.GetTaskSummaryAsync(taskId, Ct))!.Task;
        Assert.Equal(TaskOutcome.Success, task.Outcome);
        Assert.Equal(12.5m, task.OutcomeValue);
    }

    [Fact]
    public async Task Another_customers_key_gets_404_and_changes_nothing()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        var (_, globexKey) = await gateway.CreateKeyAsync("globex");
        var taskId = await TaskWithOneCallAsync(gateway);
        await gateway.FlushAsync();
        var before = await gateway.Store.GetTaskSummaryAsync(taskId, Ct);

        var intervention = await PostAsync(gateway, $"v1/tasks/{taskId}/interventions", """{"actor":"mallory","seconds":600}""", globexKey);
        var outcome = await PostAsync(gateway, $"v1/tasks/{taskId}/outcome", """{"outcome":"failure"}""", globexKey);
        var unknown = await PostAsync(gateway, "v1/tasks/task-nobody/outcome", """{"outcome":"success"}""", gateway.Key);
        await gateway.FlushAsync();

        Assert.All([intervention, outcome, unknown], answer =>
        {
            Assert.Equal(404, answer.Status);
            Assert.Equal("not_found", answer.Json.GetProperty("error").GetProperty("code").GetString());
        });
        Assert.Empty(await gateway.Store.GetInterventionsAsync(taskId, Ct));
        Assert.Equal(before, await gateway.Store.GetTaskSummaryAsync(taskId, Ct));
    }

    [Fact]
    public async Task Without_a_key_the_task_api_answers_401()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/tasks/task-x/outcome") { Content = new StringContent("""{"outcome":"success"}""", Encoding.UTF8, "application/json") };

        using var response = await gateway.SendAsync(request, key: null);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal("invalid_api_key", JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetProperty("code").GetString());
    }
}
