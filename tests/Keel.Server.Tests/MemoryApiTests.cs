using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Keel.Server.Tests.Harness;
using Microsoft.Extensions.AI;
using Xunit;

namespace Keel.Server.Tests;

/// <summary>
/// <c>/v1/memories</c> on a real gateway (Kestrel on loopback, a SQLite file): remember, recall, correct, forget,
/// each customer walled off from the others, and bad input refused with a 400 that names the field.
/// </summary>
public sealed class MemoryApiTests
{
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

    private static Task<GatewayAnswer> PostAsync(GatewayHarness gateway, string path, string json, string? key = null) =>
        SendAsync(gateway, HttpMethod.Post, path, json, key ?? gateway.Key);

    private static Task<GatewayAnswer> GetAsync(GatewayHarness gateway, string path, string? key = null) =>
        SendAsync(gateway, HttpMethod.Get, path, null, key ?? gateway.Key);

    private static Task<GatewayHarness> StartAsync() => GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"));

    private static List<string> Ids(JsonElement list, string? inner = null) =>
        [.. list.GetProperty("data").EnumerateArray().Select(e => (inner is null ? e : e.GetProperty(inner)).GetProperty("id").GetString()!)];

    private static void AssertInvalid(GatewayAnswer answer, string param)
    {
        Assert.True(answer.Status == 400, answer.Text);
        var error = answer.Json.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task A_memory_is_added_read_found_listed_and_deleted()
    {
        await using var gateway = await StartAsync();

        var added = await PostAsync(gateway, "v1/memories", """{"text":"Ann prefers a window seat on long flights","kind":"semantic","user_id":"ann","importance":0.9,"source":{"external_id":"crm-7"}}""");
        await PostAsync(gateway, "v1/memories", """{"text":"The quarterly report is due on Friday","user_id":"ann"}""");

        Assert.True(added.Status == 201, added.Text);
        var memory = added.Json.GetProperty("memory");
        var id = memory.GetProperty("id").GetString()!;
        Assert.StartsWith("mem_", id, StringComparison.Ordinal);
        Assert.Equal("memory", memory.GetProperty("object").GetString());
        Assert.Equal(("semantic", "ann", "crm-7", 0.9, true), (memory.GetProperty("kind").GetString(), memory.GetProperty("user_id").GetString(),
            memory.GetProperty("source").GetProperty("external_id").GetString(), memory.GetProperty("importance").GetDouble(), memory.GetProperty("current").GetBoolean()));
        Assert.False(added.Json.GetProperty("deduplicated").GetBoolean());

        var read = await GetAsync(gateway, $"v1/memories/{id}");
        Assert.True(read.Status == 200, read.Text);
        Assert.Equal("Ann prefers a window seat on long flights", read.Json.GetProperty("text").GetString());

        var found = await PostAsync(gateway, "v1/memories/search", """{"query":"Which seat does Ann like when flying?","user_id":"ann","k":5}""");
        Assert.True(found.Status == 200, found.Text);
        Assert.Equal(id, Ids(found.Json, "memory")[0]);
        var top = found.Json.GetProperty("data")[0];
        Assert.True(top.GetProperty("score").GetDouble() > 0, found.Text);
        Assert.False(top.GetProperty("neighbour").GetBoolean());

        var listed = await GetAsync(gateway, "v1/memories?user_id=ann&kind=semantic");
        Assert.True(listed.Status == 200, listed.Text);
        Assert.Equal(2, Ids(listed.Json).Count);
        Assert.False(listed.Json.GetProperty("has_more").GetBoolean());
        Assert.Single(Ids((await GetAsync(gateway, "v1/memories?user_id=ann&limit=1")).Json));
        Assert.Empty(Ids((await GetAsync(gateway, "v1/memories?user_id=bob")).Json));

        var deleted = await SendAsync(gateway, HttpMethod.Delete, $"v1/memories/{id}", null, gateway.Key);
        Assert.True(deleted.Status == 200, deleted.Text);
        Assert.True(deleted.Json.GetProperty("deleted").GetBoolean());
        Assert.Equal(404, (await GetAsync(gateway, $"v1/memories/{id}")).Status);
        Assert.Equal(404, (await SendAsync(gateway, HttpMethod.Delete, $"v1/memories/{id}", null, gateway.Key)).Status);
        var after = await PostAsync(gateway, "v1/memories/search", """{"query":"Which seat does Ann like when flying?","user_id":"ann","k":5}""");
        Assert.DoesNotContain(id, Ids(after.Json, "memory"));
    }

    [Fact]
    public async Task A_batch_is_stored_at_once_and_an_identical_memory_is_stored_once()
    {
        await using var gateway = await StartAsync();

        var batch = await PostAsync(gateway, "v1/memories", """{"memories":[{"text":"Bob lives in Lyon","user_id":"bob"},{"text":"Bob has two cats","user_id":"bob","kind":"episodic"}]}""");
        var again = await PostAsync(gateway, "v1/memories", """{"text":"Bob lives in Lyon","user_id":"bob"}""");

        Assert.True(batch.Status == 201, batch.Text);
        Assert.Equal("list", batch.Json.GetProperty("object").GetString());
        var ids = Ids(batch.Json, "memory");
        Assert.Equal(2, ids.Distinct().Count());
        Assert.True(again.Status == 200, again.Text);
        Assert.True(again.Json.GetProperty("deduplicated").GetBoolean());
        Assert.Equal(ids[0], again.Json.GetProperty("memory").GetProperty("id").GetString());
        Assert.Equal(2, Ids((await GetAsync(gateway, "v1/memories?user_id=bob")).Json).Count);
    }

    [Fact]
    public async Task A_changed_fact_is_current_and_the_old_one_stays_as_history()
    {
        await using var gateway = await StartAsync();

        var paris = (await PostAsync(gateway, "v1/memories", """{"text":"Ann lives in Paris","user_id":"ann","fact_key":"user.home_city"}""")).Json.GetProperty("memory").GetProperty("id").GetString()!;
        var moved = await PostAsync(gateway, "v1/memories", """{"text":"Ann lives in Berlin","user_id":"ann","fact_key":"user.home_city"}""");

        Assert.True(moved.Status == 201, moved.Text);
        var berlin = moved.Json.GetProperty("memory").GetProperty("id").GetString()!;
        Assert.Equal([paris], moved.Json.GetProperty("superseded").EnumerateArray().Select(e => e.GetString()));
        var old = (await GetAsync(gateway, $"v1/memories/{paris}")).Json;
        Assert.False(old.GetProperty("current").GetBoolean());
        Assert.Equal(berlin, old.GetProperty("superseded_by").GetString());
        var withHistory = await GetAsync(gateway, $"v1/memories/{berlin}?history=true");
        Assert.True(withHistory.Status == 200, withHistory.Text);
        Assert.Equal([paris], withHistory.Json.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        Assert.Equal([berlin], Ids((await GetAsync(gateway, "v1/memories?user_id=ann")).Json));
        Assert.Equal(2, Ids((await GetAsync(gateway, "v1/memories?user_id=ann&history=true")).Json).Count);
        var search = await PostAsync(gateway, "v1/memories/search", """{"query":"Where does Ann live?","user_id":"ann"}""");
        Assert.Equal([berlin], Ids(search.Json, "memory"));
    }

    [Fact]
    public async Task Another_customers_key_never_reads_finds_or_forgets_a_memory_it_does_not_own()
    {
        await using var gateway = await StartAsync();
        var (_, globex) = await gateway.CreateKeyAsync("globex");
        var id = (await PostAsync(gateway, "v1/memories", """{"text":"Acme's launch code name is Bluebird","user_id":"ann"}""")).Json.GetProperty("memory").GetProperty("id").GetString()!;

        Assert.Equal(404, (await GetAsync(gateway, $"v1/memories/{id}", globex)).Status);
        Assert.Equal(404, (await SendAsync(gateway, HttpMethod.Delete, $"v1/memories/{id}", null, globex)).Status);
        Assert.Empty(Ids((await PostAsync(gateway, "v1/memories/search", """{"query":"launch code name Bluebird","k":10}""", globex)).Json, "memory"));
        Assert.Empty(Ids((await GetAsync(gateway, "v1/memories", globex)).Json));
        var erased = await PostAsync(gateway, "v1/memories/forget", """{"all_in_scope":true}""", globex);
        Assert.Equal(0, erased.Json.GetProperty("deleted").GetInt32());
        Assert.Equal(0, (await PostAsync(gateway, "v1/memories/forget", $$"""{"ids":["{{id}}"]}""", globex)).Json.GetProperty("deleted").GetInt32());
        var hijack = await PostAsync(gateway, "v1/memories", $$"""{"text":"Bluebird is cancelled","supersedes":["{{id}}"]}""", globex);
        Assert.True(hijack.Status == 404, hijack.Text);

        var own = await GetAsync(gateway, $"v1/memories/{id}");
        Assert.True(own.Status == 200, own.Text);
        Assert.True(own.Json.GetProperty("current").GetBoolean());
        Assert.Equal([id], Ids((await PostAsync(gateway, "v1/memories/search", """{"query":"launch code name Bluebird","k":10}""")).Json, "memory"));
    }

    [Fact]
    public async Task Forgetting_by_source_and_erasing_a_users_scope_leave_everyone_else_alone()
    {
        await using var gateway = await StartAsync();
        var seeded = await PostAsync(gateway, "v1/memories", """
            {"memories":[
              {"text":"Ticket 1: printer jams","user_id":"ann","source":{"external_id":"ticket-1"}},
              {"text":"Ticket 1: fixed by a reboot","user_id":"ann","source":{"external_id":"ticket-1"}},
              {"text":"Ann works in accounting","user_id":"ann"},
              {"text":"Bob works in sales","user_id":"bob"}]}
            """);
        Assert.True(seeded.Status == 201, seeded.Text);

        var bySource = await PostAsync(gateway, "v1/memories/forget", """{"source":{"external_id":"ticket-1"}}""");
        Assert.True(bySource.Status == 200, bySource.Text);
        Assert.Equal(2, bySource.Json.GetProperty("deleted").GetInt32());
        Assert.Single(Ids((await GetAsync(gateway, "v1/memories?user_id=ann")).Json));

        var erasure = await PostAsync(gateway, "v1/memories/forget", """{"user_id":"ann","all_in_scope":true}""");
        Assert.Equal(1, erasure.Json.GetProperty("deleted").GetInt32());
        Assert.Empty(Ids((await GetAsync(gateway, "v1/memories?user_id=ann&history=true")).Json));
        Assert.Single(Ids((await GetAsync(gateway, "v1/memories?user_id=bob")).Json));
        Assert.Empty(Ids((await PostAsync(gateway, "v1/memories/search", """{"query":"printer ticket accounting","user_id":"ann"}""")).Json, "memory"));
    }

    [Fact]
    public async Task Bad_input_is_refused_with_a_400_naming_the_field()
    {
        await using var gateway = await StartAsync();

        AssertInvalid(await PostAsync(gateway, "v1/memories", """{"kind":"semantic"}"""), "text");
        AssertInvalid(await PostAsync(gateway, "v1/memories", """{"text":"x","kind":"gossip"}"""), "kind");
        AssertInvalid(await PostAsync(gateway, "v1/memories", """{"text":"x","kindd":"semantic"}"""), "kindd");
        AssertInvalid(await PostAsync(gateway, "v1/memories", """{"text":"x","importance":2}"""), "importance");
        AssertInvalid(await PostAsync(gateway, "v1/memories", """{"text":"x","importance":"high"}"""), "importance");
        AssertInvalid(await PostAsync(gateway, "v1/memories", """{"text":"x","user_id":"  "}"""), "user_id");
        AssertInvalid(await PostAsync(gateway, "v1/memories", """{"memories":[{"text":"ok"},{"text":""}]}"""), "memories[1].text");
        AssertInvalid(await PostAsync(gateway, "v1/memories", """{"memories":[]}"""), "memories");
        AssertInvalid(await PostAsync(gateway, "v1/memories/search", """{"k":5}"""), "query");
        AssertInvalid(await PostAsync(gateway, "v1/memories/search", """{"query":"x","k":0}"""), "k");
        AssertInvalid(await PostAsync(gateway, "v1/memories/search", """{"query":"x","kinds":["fact"]}"""), "kinds");
        AssertInvalid(await PostAsync(gateway, "v1/memories/search", """{"query":"x","occurred_from":"yesterday"}"""), "occurred_from");
        AssertInvalid(await PostAsync(gateway, "v1/memories/forget", "{}"), "all_in_scope");
        AssertInvalid(await PostAsync(gateway, "v1/memories/context", """{"query":"x","token_budget":100}"""), "session_id");
        AssertInvalid(await PostAsync(gateway, "v1/memories/context", """{"session_id":"s1","token_budget":0}"""), "token_budget");

        var notJson = await PostAsync(gateway, "v1/memories", "{not json");
        Assert.Equal(400, notJson.Status);
        Assert.Equal("invalid_json", notJson.Json.GetProperty("error").GetProperty("code").GetString());
        var badLimit = await GetAsync(gateway, "v1/memories?limit=lots");
        Assert.Equal(400, badLimit.Status);
        Assert.Contains("'limit'", badLimit.Json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, (await GetAsync(gateway, "v1/memories?history=maybe")).Status);

        var anonymous = await SendAsync(gateway, HttpMethod.Get, "v1/memories", null, key: null);
        Assert.Equal(401, anonymous.Status);
        Assert.Equal("invalid_api_key", anonymous.Json.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(401, (await SendAsync(gateway, HttpMethod.Post, "v1/memories/search", """{"query":"x"}""", "keel_sk_wrong")).Status);
        Assert.Empty(Ids((await GetAsync(gateway, "v1/memories?history=true")).Json));
    }

    [Fact]
    public async Task Context_packs_turns_and_memories_into_the_budget_and_says_what_it_left_out()
    {
        await using var gateway = await StartAsync();
        var (_, globex) = await gateway.CreateKeyAsync("globex");
        var now = DateTimeOffset.UtcNow;
        await gateway.Store.AppendSessionMessagesAsync(gateway.CustomerId, "s-ctx", [
            Sessions.SessionMessages.From(new ChatMessage(ChatRole.User, "Hi, I am planning a trip to Lisbon."), "s-ctx", null, now),
            Sessions.SessionMessages.From(new ChatMessage(ChatRole.Assistant, "Lovely! When do you leave?"), "s-ctx", null, now),
        ], TestContext.Current.CancellationToken);
        var memory = (await PostAsync(gateway, "v1/memories", """{"text":"Ann always books an aisle seat","user_id":"ann"}""")).Json.GetProperty("memory").GetProperty("id").GetString()!;

        var roomy = await PostAsync(gateway, "v1/memories/context", """{"session_id":"s-ctx","query":"Which seat should I book for Ann?","token_budget":2000,"user_id":"ann"}""");
        var tight = await PostAsync(gateway, "v1/memories/context", """{"session_id":"s-ctx","query":"Which seat should I book for Ann?","token_budget":12,"user_id":"ann"}""");
        var foreign = await PostAsync(gateway, "v1/memories/context", """{"session_id":"s-ctx","token_budget":2000}""", globex);

        Assert.True(roomy.Status == 200, roomy.Text);
        var included = roomy.Json.GetProperty("included").EnumerateArray().Select(i => (i.GetProperty("kind").GetString(), i.GetProperty("id").GetString())).ToList();
        Assert.Contains(("memory", memory), included);
        Assert.Contains(included, i => i.Item1 == "recent_turn");
        Assert.True(roomy.Json.GetProperty("total_tokens").GetInt32() <= 2000, roomy.Text);
        Assert.Contains(roomy.Json.GetProperty("messages").EnumerateArray(), m => m.GetProperty("content").GetString()!.Contains("Lisbon", StringComparison.Ordinal));

        Assert.True(tight.Status == 200, tight.Text);
        Assert.True(tight.Json.GetProperty("total_tokens").GetInt32() <= 12, tight.Text);
        Assert.Contains(tight.Json.GetProperty("left_out").EnumerateArray(), l => l.GetProperty("reason").GetString() == "over_budget");
        Assert.True(foreign.Status == 404, foreign.Text);
    }

    [Fact]
    public async Task Mcp_over_http_needs_a_key()
    {
        await using var gateway = await StartAsync();

        var initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";
        var anonymous = await SendAsync(gateway, HttpMethod.Post, "mcp", initialize, key: null);
        var wrong = await SendAsync(gateway, HttpMethod.Post, "mcp", initialize, "keel_sk_wrong");

        Assert.Equal(401, anonymous.Status);
        Assert.Equal("invalid_api_key", anonymous.Json.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(401, wrong.Status);
    }
}
