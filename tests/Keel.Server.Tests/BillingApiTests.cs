using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Keel.Server.Tests.Harness;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>
/// <c>/v1/billing</c> on a real gateway (Kestrel on loopback, a SQLite file): events counted once under racing
/// duplicates, each customer walled off, bad input refused with a 400 naming the field, finalized invoices refusing change.
/// </summary>
public sealed class BillingApiTests
{
    private const string Plan = """
        {"id":"outcomes","version":1,"name":"Outcomes","currency":"USD","components":[
          {"id":"resolved","description":"Resolved tickets, \"priority\"","metric":"tickets.resolved",
           "model":{"type":"graduated","tiers":[{"up_to":10,"unit_price":2},{"up_to":null,"unit_price":1.5}]}}]}
        """;

    private static async Task<GatewayAnswer> SendAsync(GatewayHarness gateway, HttpMethod method, string path, string? json, string? key)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        using var response = await gateway.SendAsync(request, key);
        return await GatewayAnswer.ReadAsync(response);
    }

    private static Task<GatewayAnswer> PostAsync(GatewayHarness gateway, string path, string json, string? key) => SendAsync(gateway, HttpMethod.Post, path, json, key);

    private static Task<GatewayAnswer> GetAsync(GatewayHarness gateway, string path, string? key) => SendAsync(gateway, HttpMethod.Get, path, null, key);

    private static Task<GatewayHarness> StartAsync() => GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));

    private static void AssertError(GatewayAnswer answer, int status, string? param = null)
    {
        Assert.True(answer.Status == status, $"expected {status}: {answer.Status} {answer.Text}");
        var error = answer.Json.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        if (param is not null)
        {
            Assert.Equal(param, error.GetProperty("param").GetString());
        }
    }

    /// <summary>The plan, and acme subscribed from the start of the current month.</summary>
    private static async Task<string> SubscribeAcmeAsync(GatewayHarness gateway)
    {
        var admin = gateway.AdminToken!;
        var plan = await PostAsync(gateway, "v1/billing/plans", Plan, admin);
        Assert.True(plan.Status == 201, plan.Text);
        var month = new DateTimeOffset(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var subscribed = await PostAsync(gateway, "v1/billing/subscriptions", $$"""{"customer":"acme","plan":"outcomes","starts_at":"{{month:O}}"}""", admin);
        Assert.True(subscribed.Status == 201, subscribed.Text);
        Assert.Equal(("outcomes", 1), (subscribed.Json.GetProperty("plan").GetString(), subscribed.Json.GetProperty("plan_version").GetInt32()));
        return month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Event(string key, decimal quantity = 1, string timestamp = "") =>
        $$"""{"metric":"tickets.resolved","quantity":{{quantity}},"idempotency_key":"{{key}}"{{(timestamp.Length > 0 ? $",\"timestamp\":\"{timestamp}\"" : "")}}}""";

    [Fact]
    public async Task Twenty_parallel_posts_of_one_key_count_once_and_a_reused_key_with_another_payload_is_409()
    {
        await using var gateway = await StartAsync();
        var now = DateTimeOffset.UtcNow.ToString("O");

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => PostAsync(gateway, "v1/billing/events", Event("ticket-1", 1, now), gateway.Key)));

        Assert.All(answers, a => Assert.True(a.Status is 200 or 201, a.Text));
        Assert.Single(answers, a => a.Status == 201);
        Assert.Single(answers.Select(a => a.Json.GetProperty("id").GetString()).Distinct());
        var listed = await GetAsync(gateway, "v1/billing/events", gateway.Key);
        Assert.True(listed.Status == 200, listed.Text);
        Assert.Equal(1, listed.Json.GetProperty("data").GetArrayLength());

        var conflict = await PostAsync(gateway, "v1/billing/events", Event("ticket-1", 5, now), gateway.Key);
        AssertError(conflict, 409, "idempotency_key");
        Assert.Equal("idempotency_key_reused", conflict.Json.GetProperty("error").GetProperty("code").GetString());

        // Without a timestamp the server stamps the arrival: a retry differs only by that and is the same event.
        var first = await PostAsync(gateway, "v1/billing/events", Event("ticket-2"), gateway.Key);
        var retry = await PostAsync(gateway, "v1/billing/events", Event("ticket-2"), gateway.Key);
        Assert.Equal((201, 200), (first.Status, retry.Status));
        Assert.Equal(first.Json.GetProperty("id").GetString(), retry.Json.GetProperty("id").GetString());

        var batch = await PostAsync(gateway, "v1/billing/events", $$"""{"events":[{{Event("ticket-2")}},{{Event("ticket-3", 2, now)}}]}""", gateway.Key);
        Assert.True(batch.Status == 201, batch.Text);
        Assert.Equal([false, true], batch.Json.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("created").GetBoolean()));
        Assert.Equal(3, (await GetAsync(gateway, "v1/billing/events", gateway.Key)).Json.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task A_customer_key_sees_only_its_own_billing_and_manages_nothing()
    {
        await using var gateway = await StartAsync();
        var month = await SubscribeAcmeAsync(gateway);
        var (_, globexKey) = await gateway.CreateKeyAsync("globex");
        Assert.Equal(201, (await PostAsync(gateway, "v1/billing/events", Event("a-1", 3, DateTimeOffset.UtcNow.ToString("O")), gateway.Key)).Status);
        var draft = await PostAsync(gateway, "v1/billing/invoices", $$"""{"customer":"acme","period":"{{month}}"}""", gateway.AdminToken);
        Assert.True(draft.Status == 200, draft.Text);
        var id = draft.Json.GetProperty("id").GetString()!;

        Assert.Equal(200, (await GetAsync(gateway, $"v1/billing/invoices/{id}", gateway.Key)).Status);
        Assert.Single((await GetAsync(gateway, "v1/billing/invoices", gateway.Key)).Json.GetProperty("data").EnumerateArray());

        AssertError(await GetAsync(gateway, $"v1/billing/invoices/{id}", globexKey), 404);
        AssertError(await GetAsync(gateway, $"v1/billing/invoices/{id}?format=csv", globexKey), 404);
        Assert.Empty((await GetAsync(gateway, "v1/billing/invoices", globexKey)).Json.GetProperty("data").EnumerateArray());
        AssertError(await GetAsync(gateway, "v1/billing/invoices?customer=acme", globexKey), 404);
        AssertError(await GetAsync(gateway, "v1/billing/events?customer=acme", globexKey), 404);
        AssertError(await PostAsync(gateway, "v1/billing/events", """{"customer":"acme","metric":"x","idempotency_key":"k"}""", globexKey), 404);
        Assert.Empty((await GetAsync(gateway, "v1/billing/events", globexKey)).Json.GetProperty("data").EnumerateArray());

        AssertError(await PostAsync(gateway, "v1/billing/plans", Plan, globexKey), 403);
        AssertError(await PostAsync(gateway, $"v1/billing/invoices/{id}/finalize", "{\"force\":true}", gateway.Key), 403);
        AssertError(await PostAsync(gateway, "v1/billing/credit-notes", $$"""{"invoice":"{{id}}","amount":1,"reason":"x"}""", gateway.Key), 403);
        AssertError(await GetAsync(gateway, "v1/billing/margin", gateway.Key), 403);
        Assert.Equal(401, (await GetAsync(gateway, "v1/billing/invoices", "keel_sk_not_a_key")).Status);
        Assert.Equal(401, (await GetAsync(gateway, "v1/billing/invoices", null)).Status);
    }

    [Theory]
    [InlineData("""{"metric":"x"}""", "idempotency_key")]
    [InlineData("""{"idempotency_key":"k"}""", "metric")]
    [InlineData("""{"metric":"x","idempotency_key":"k","quantity":"three"}""", "quantity")]
    [InlineData("""{"metric":"x","idempotency_key":"k","quantity":-1}""", "quantity")]
    [InlineData("""{"metric":"x","idempotency_key":"k","timestamp":"yesterday"}""", "timestamp")]
    [InlineData("""{"metric":"x","idempotency_key":"k","kind":"refund"}""", "kind")]
    [InlineData("""{"metric":"x","idempotency_key":"k","kind":"void"}""", "target_event_id")]
    [InlineData("""{"events":[]}""", "events")]
    [InlineData("""{"events":[{"metric":"x","idempotency_key":"k"},{"metric":"y"}]}""", "events[1].idempotency_key")]
    public async Task Bad_events_are_refused_with_a_400_naming_the_field(string body, string param)
    {
        await using var gateway = await StartAsync();

        AssertError(await PostAsync(gateway, "v1/billing/events", body, gateway.Key), 400, param);

        Assert.Empty((await GetAsync(gateway, "v1/billing/events", gateway.Key)).Json.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task Bad_admin_requests_are_400_or_404()
    {
        await using var gateway = await StartAsync();
        var admin = gateway.AdminToken;

        AssertError(await PostAsync(gateway, "v1/billing/plans", "{\"id\":\"p\"}", admin), 400);
        AssertError(await PostAsync(gateway, "v1/billing/plans", Plan.Replace("\"USD\"", "\"XYZ\"", StringComparison.Ordinal), admin), 400);
        AssertError(await PostAsync(gateway, "v1/billing/plans", "not json", admin), 400);
        AssertError(await PostAsync(gateway, "v1/billing/subscriptions", """{"customer":"acme","plan":"nope"}""", admin), 404);
        AssertError(await PostAsync(gateway, "v1/billing/subscriptions", """{"customer":"nobody","plan":"nope"}""", admin), 404);
        AssertError(await PostAsync(gateway, "v1/billing/events", """{"metric":"x","idempotency_key":"k"}""", admin), 400, "customer");
        AssertError(await GetAsync(gateway, "v1/billing/invoices/inv_nope", admin), 404);
        AssertError(await GetAsync(gateway, "v1/billing/margin?from=2026-11-02&to=2026-11-01", admin), 400, "to");
        AssertError(await PostAsync(gateway, "v1/billing/invoices", """{"customer":"acme","period":"November"}""", admin), 400, "period");
    }

    [Fact]
    public async Task A_finalized_invoice_refuses_change_with_409_and_is_credited_and_exported()
    {
        await using var gateway = await StartAsync();
        var admin = gateway.AdminToken;
        var month = await SubscribeAcmeAsync(gateway);
        Assert.Equal(201, (await PostAsync(gateway, "v1/billing/events", Event("a-1", 12, DateTimeOffset.UtcNow.ToString("O")), gateway.Key)).Status);
        var draft = await PostAsync(gateway, "v1/billing/invoices", $$"""{"customer":"acme","period":"{{month}}"}""", admin);
        Assert.True(draft.Status == 200, draft.Text);
        var id = draft.Json.GetProperty("id").GetString()!;
        Assert.Equal(("draft", "23.00"), (draft.Json.GetProperty("status").GetString(), draft.Json.GetProperty("total").GetRawText())); // 10 x 2 + 2 x 1.5

        AssertError(await PostAsync(gateway, $"v1/billing/invoices/{id}/finalize", "", admin), 409); // the month is still open
        var finalized = await PostAsync(gateway, $"v1/billing/invoices/{id}/finalize", "{\"force\":true}", admin);
        Assert.True(finalized.Status == 200, finalized.Text);
        Assert.Equal("finalized", finalized.Json.GetProperty("status").GetString());
        var number = finalized.Json.GetProperty("number").GetString()!;
        Assert.StartsWith("INV-", number, StringComparison.Ordinal);

        var again = await PostAsync(gateway, $"v1/billing/invoices/{id}/finalize", "{\"force\":true}", admin);
        AssertError(again, 409);
        Assert.Equal("invoice_immutable", again.Json.GetProperty("error").GetProperty("code").GetString());
        AssertError(await PostAsync(gateway, "v1/billing/invoices", $$"""{"customer":"acme","period":"{{month}}"}""", admin), 409);
        AssertError(await PostAsync(gateway, "v1/billing/credit-notes", $$"""{"invoice":"{{id}}","amount":100,"reason":"too much"}""", admin), 409);
        AssertError(await PostAsync(gateway, "v1/billing/credit-notes", $$"""{"invoice":"{{id}}","amount":0,"reason":"nothing"}""", admin), 400, "amount");

        var credit = await PostAsync(gateway, "v1/billing/credit-notes", $$"""{"invoice":"{{number}}","amount":2.5,"reason":"ticket reopened"}""", admin);
        Assert.True(credit.Status == 201, credit.Text);
        Assert.Equal(("2.50", id), (credit.Json.GetProperty("total").GetRawText(), credit.Json.GetProperty("invoice_id").GetString()));
        Assert.Single((await GetAsync(gateway, "v1/billing/credit-notes", gateway.Key)).Json.GetProperty("data").EnumerateArray());

        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/billing/invoices/{number}?format=csv");
        using var response = await gateway.SendAsync(request, gateway.Key);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var csv = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.StartsWith("invoice_id,invoice_number,customer,", csv, StringComparison.Ordinal);
        Assert.Contains($"{id},{number},acme,", csv, StringComparison.Ordinal);
        Assert.Contains("\"Resolved tickets, \"\"priority\"\"", csv, StringComparison.Ordinal);

        var voided = await PostAsync(gateway, $"v1/billing/invoices/{id}/void", "", admin);
        Assert.Equal(("void", number), (voided.Json.GetProperty("status").GetString(), voided.Json.GetProperty("number").GetString()));
        AssertError(await PostAsync(gateway, $"v1/billing/invoices/{id}/void", "", admin), 409);

        var margin = await GetAsync(gateway, $"v1/billing/margin?period={month}", admin);
        Assert.True(margin.Status == 200, margin.Text);
        Assert.Equal(JsonValueKind.Array, margin.Json.GetProperty("by_customer").ValueKind);
    }
}
