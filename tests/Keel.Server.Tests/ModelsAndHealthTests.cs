using System.ClientModel;
using System.Text.Json;
using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>GET /v1/models lists the aliases a key may call; /healthz answers anyone.</summary>
public sealed class ModelsAndHealthTests
{
    private static Task<GatewayHarness> StartAsync() => GatewayHarness.StartAsync(c => c
        .OpenAi("a").OpenAi("b", model: "gpt-4o")
        .Alias("fast", "a").Alias("smart", "b", "a"));

    [Fact]
    public async Task The_SDK_lists_the_aliases_not_the_deployments()
    {
        await using var gateway = await StartAsync();

        var models = (await gateway.OpenAi().GetOpenAIModelClient().GetModelsAsync(TestContext.Current.CancellationToken)).Value;

        Assert.Equal(["fast", "smart"], models.Select(m => m.Id));
        Assert.All(models, m => Assert.Equal("keel", m.OwnedBy));
        Assert.Empty(gateway.Mock.Requests);
    }

    [Fact]
    public async Task Listing_models_needs_a_key()
    {
        await using var gateway = await StartAsync();

        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            gateway.OpenAi("keel_sk_wrong").GetOpenAIModelClient().GetModelsAsync(TestContext.Current.CancellationToken));
        using var anonymous = await gateway.SendAsync(new HttpRequestMessage(HttpMethod.Get, "v1/models"), key: null);

        Assert.Equal(401, error.Status);
        Assert.Equal(401, (int)anonymous.StatusCode);
    }

    [Fact]
    public async Task Health_answers_without_a_key()
    {
        await using var gateway = await StartAsync();

        using var response = await gateway.SendAsync(new HttpRequestMessage(HttpMethod.Get, "healthz"), key: null);

        Assert.Equal(200, (int)response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("ok", body.RootElement.GetProperty("status").GetString());
        Assert.Equal(2, body.RootElement.GetProperty("models").GetInt32());
    }
}
