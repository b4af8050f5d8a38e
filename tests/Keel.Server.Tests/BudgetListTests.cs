using System.Net.Http.Headers;
using System.Text.Json;
using Keel.Budgets;
using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>GET /v1/budgets shows the live ledger: settled spending and what calls in flight hold.</summary>
public sealed class BudgetListTests
{
    private static async Task<JsonElement> ListAsync(GatewayHarness gateway, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway.Address, "v1/budgets"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await gateway.Http.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(200, (int)response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("data").Clone();
    }

    [Fact]
    public async Task A_reservation_in_flight_shows_as_reserved_and_only_to_its_own_customer()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));
        var budget = await gateway.SetBudgetAsync(1m);
        var (_, otherKey) = await gateway.CreateKeyAsync("globex");

        using var held = await gateway.Ledger().ReserveAsync(new BudgetSubject(gateway.CustomerId), 0.25m, TestContext.Current.CancellationToken);

        var listed = Assert.Single((await ListAsync(gateway, gateway.Key)).EnumerateArray());
        Assert.Equal(budget.Id, listed.GetProperty("id").GetString());
        Assert.Equal("customer", listed.GetProperty("scope").GetString());
        Assert.Equal(1m, listed.GetProperty("limit_usd").GetDecimal());
        Assert.Equal(0.25m, listed.GetProperty("reserved_usd").GetDecimal());
        Assert.Equal(0.75m, listed.GetProperty("remaining_usd").GetDecimal());
        Assert.Empty((await ListAsync(gateway, otherKey)).EnumerateArray());

        held.Settle(0.10m);
        var settled = Assert.Single((await ListAsync(gateway, gateway.Key)).EnumerateArray());
        Assert.Equal(0m, settled.GetProperty("reserved_usd").GetDecimal());
        Assert.Equal(0.10m, settled.GetProperty("spent_usd").GetDecimal());
    }

    [Fact]
    public async Task Listing_budgets_needs_a_key()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));

        using var response = await gateway.Http.GetAsync(new Uri(gateway.Address, "v1/budgets"), TestContext.Current.CancellationToken);

        Assert.Equal(401, (int)response.StatusCode);
    }
}
