using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Keel.Memory;
using Keel.Server.Tests.Harness;
using Keel.Storage.Sqlite;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>
/// <c>/v1/memories/retention</c> on a real gateway: a customer sets and lists its own policies only, applying them
/// forgets what they expire (and, for a customer's key, nothing of anyone else's), and bad input is a 400 naming the
/// field. Old memories are written through a second store on the same file whose clock is 60 days behind.
/// </summary>
public sealed class MemoryRetentionApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static async Task<(GatewayHarness Gateway, string DbPath)> StartAsync()
    {
        var dbPath = "";
        var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"), options: o =>
        {
            dbPath = o.DbPath;
            return o;
        });
        return (gateway, dbPath);
    }

    /// <summary>Stores memories created 60 days ago, through a second store on the gateway's file with its clock behind.</summary>
    private static async Task RememberLongAgoAsync(string dbPath, IReadOnlyList<NewMemory> memories)
    {
        await using var past = await SqliteKeelStore.OpenAsync(dbPath, new SqliteStoreOptions { TimeProvider = new FixedTime(DateTimeOffset.UtcNow.AddDays(-60)) }, Ct);
        await past.AddMemoriesAsync(memories, Ct);
    }

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

    private static Task<GatewayAnswer> PutAsync(GatewayHarness gateway, string json, string? key = null) =>
        SendAsync(gateway, HttpMethod.Put, "v1/memories/retention", json, key ?? gateway.Key);

    private static Task<GatewayAnswer> ApplyAsync(GatewayHarness gateway, string? key, string query = "") =>
        SendAsync(gateway, HttpMethod.Post, "v1/memories/retention/apply" + query, null, key);

    private static async Task<List<string>> TextsAsync(GatewayHarness gateway, string user, string? key = null)
    {
        var listed = await SendAsync(gateway, HttpMethod.Get, $"v1/memories?user_id={user}&history=true", null, key ?? gateway.Key);
        Assert.True(listed.Status == 200, listed.Text);
        return [.. listed.Json.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("text").GetString()!).Order(StringComparer.Ordinal)];
    }

    private static void AssertInvalid(GatewayAnswer answer, string param)
    {
        Assert.True(answer.Status == 400, answer.Text);
        var error = answer.Json.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task A_customer_sets_lists_and_applies_its_own_policies_and_never_anothers()
    {
        var (gateway, dbPath) = await StartAsync();
        await using var _ = gateway;
        var (globexId, globex) = await gateway.CreateKeyAsync("globex");
        await RememberLongAgoAsync(dbPath,
            [
                new NewMemory(new MemoryScope(gateway.CustomerId, "ann"), MemoryKind.Episodic, "Ann reported a broken printer"),
                new NewMemory(new MemoryScope(gateway.CustomerId, "ann"), MemoryKind.Semantic, "Ann works in accounting"),
                new NewMemory(new MemoryScope(gateway.CustomerId, "bob"), MemoryKind.Episodic, "Bob asked for a refund"),
                new NewMemory(new MemoryScope(globexId, "ann"), MemoryKind.Episodic, "Globex's Ann renewed her plan"),
            ]);

        var recent = await SendAsync(gateway, HttpMethod.Post, "v1/memories", """{"text":"Ann reported a paper jam","kind":"episodic","user_id":"ann"}""", gateway.Key);
        Assert.True(recent.Status == 201, recent.Text);

        var first = await PutAsync(gateway, """{"user_id":"ann","max_age_days":90}""");
        var set = await PutAsync(gateway, """{"user_id":"ann","max_age":"30d","kinds":["episodic"]}"""); // replaces the policy of the same scope
        Assert.True(first.Status == 200, first.Text);
        Assert.True(set.Status == 200, set.Text);
        Assert.Equal(("memory.retention", "ann", "P30D", 30.0, "episodic"), (set.Json.GetProperty("object").GetString(), set.Json.GetProperty("user_id").GetString(),
            set.Json.GetProperty("max_age").GetString(), set.Json.GetProperty("max_age_days").GetDouble(), set.Json.GetProperty("kinds")[0].GetString()));
        var globexSet = await PutAsync(gateway, """{"max_age":"P1D"}""", globex);
        Assert.True(globexSet.Status == 200, globexSet.Text);

        var listed = await SendAsync(gateway, HttpMethod.Get, "v1/memories/retention", null, gateway.Key);
        Assert.True(listed.Status == 200, listed.Text);
        var policy = Assert.Single(listed.Json.GetProperty("data").EnumerateArray());
        Assert.Equal(("ann", "P30D"), (policy.GetProperty("user_id").GetString(), policy.GetProperty("max_age").GetString()));
        var globexPolicy = Assert.Single((await SendAsync(gateway, HttpMethod.Get, "v1/memories/retention", null, globex)).Json.GetProperty("data").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, globexPolicy.GetProperty("user_id").ValueKind);

        // Globex's key applies Globex's policy only: Acme's expired episode stays until Acme (or the admin) applies.
        var globexApplied = await ApplyAsync(gateway, globex);
        Assert.True(globexApplied.Status == 200, globexApplied.Text);
        Assert.Equal(1, globexApplied.Json.GetProperty("deleted").GetInt32());
        Assert.Empty(await TextsAsync(gateway, "ann", globex));
        Assert.Equal(3, (await TextsAsync(gateway, "ann")).Count);
        Assert.Equal(404, (await ApplyAsync(gateway, globex, $"?customer={gateway.CustomerId}")).Status);

        var applied = await ApplyAsync(gateway, gateway.Key);
        Assert.Equal(1, applied.Json.GetProperty("deleted").GetInt32());
        Assert.Equal(gateway.CustomerId, applied.Json.GetProperty("customer").GetString());
        Assert.Equal(["Ann reported a paper jam", "Ann works in accounting"], await TextsAsync(gateway, "ann")); // recent, and not episodic
        Assert.Equal(["Bob asked for a refund"], await TextsAsync(gateway, "bob")); // no policy for Bob's scope

        var admin = await ApplyAsync(gateway, gateway.AdminToken);
        Assert.True(admin.Status == 200, admin.Text);
        Assert.Equal(0, admin.Json.GetProperty("deleted").GetInt32());
        Assert.Equal(JsonValueKind.Null, admin.Json.GetProperty("customer").ValueKind);
        Assert.Equal(401, (await ApplyAsync(gateway, null)).Status);
    }

    [Fact]
    public async Task The_admin_token_applies_every_customers_policies()
    {
        var (gateway, dbPath) = await StartAsync();
        await using var _ = gateway;
        var (globexId, globex) = await gateway.CreateKeyAsync("globex");
        await RememberLongAgoAsync(dbPath,
            [
                new NewMemory(new MemoryScope(gateway.CustomerId, "ann"), MemoryKind.Episodic, "Acme's Ann"),
                new NewMemory(new MemoryScope(globexId, "ann"), MemoryKind.Episodic, "Globex's Ann"),
            ]);

        Assert.Equal(200, (await PutAsync(gateway, """{"max_age_days":30}""")).Status);
        Assert.Equal(200, (await PutAsync(gateway, """{"max_age_days":30}""", globex)).Status);

        var one = await ApplyAsync(gateway, gateway.AdminToken, "?customer=globex");
        Assert.Equal((1, globexId), (one.Json.GetProperty("deleted").GetInt32(), one.Json.GetProperty("customer").GetString()));
        var all = await ApplyAsync(gateway, gateway.AdminToken);
        Assert.Equal(1, all.Json.GetProperty("deleted").GetInt32());
        Assert.Empty(await TextsAsync(gateway, "ann"));
    }

    [Fact]
    public async Task Bad_policies_are_refused_with_a_400_naming_the_field()
    {
        await using var gateway = await GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));

        AssertInvalid(await PutAsync(gateway, """{"max_age_days":-1}"""), "max_age_days");
        AssertInvalid(await PutAsync(gateway, """{"max_age_days":0}"""), "max_age_days");
        AssertInvalid(await PutAsync(gateway, """{"max_age_days":"30"}"""), "max_age_days");
        AssertInvalid(await PutAsync(gateway, """{"max_age_days":1000000}"""), "max_age_days");
        AssertInvalid(await PutAsync(gateway, """{"max_age":"0d"}"""), "max_age");
        AssertInvalid(await PutAsync(gateway, """{"max_age":"-P3D"}"""), "max_age");
        AssertInvalid(await PutAsync(gateway, """{"max_age":"soon"}"""), "max_age");
        AssertInvalid(await PutAsync(gateway, """{"max_age":"30d","max_age_days":30}"""), "max_age");
        AssertInvalid(await PutAsync(gateway, """{"user_id":"ann"}"""), "max_age_days");
        AssertInvalid(await PutAsync(gateway, """{"max_age":"30d","kinds":["eternal"]}"""), "kinds");
        AssertInvalid(await PutAsync(gateway, """{"max_age":"30d","user_id":" "}"""), "user_id");
        AssertInvalid(await PutAsync(gateway, """{"max_age":"30d","max_days":3}"""), "max_days");
        Assert.Equal(401, (await PutAsync(gateway, """{"max_age":"30d"}""", "keel_sk_wrong")).Status);

        Assert.Empty((await SendAsync(gateway, HttpMethod.Get, "v1/memories/retention", null, gateway.Key)).Json.GetProperty("data").EnumerateArray());
    }
}
