using Keel.Server.Access;
using Keel.Server.Configuration;
using Keel.Server.Hosting;
using Keel.Server.Tests.Harness;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Keel.Server.Tests.Dashboard;

/// <summary>Who may call the dashboard API: the admin token, customers' API keys, and nobody else (unless --insecure-local on loopback).</summary>
public sealed class DashboardAccessTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Every route of the API, and one it does not have: the guard stands in front of all of /api.</summary>
    private static readonly (string Method, string Path)[] Routes =
    [
        ("GET", "me"), ("GET", "stats"), ("GET", "tasks"), ("GET", "tasks/task_x"), ("GET", "tasks/task_x/steps/1"),
        ("GET", "sessions/s1"), ("GET", "approvals"), ("GET", "costs?by=day"), ("GET", "budgets"),
        ("POST", "tasks/task_x/approval"), ("POST", "tasks/task_x/replay"), ("GET", "no-such-route"),
    ];

    private static Task<GatewayAnswer> CallAsync(GatewayHarness gateway, (string Method, string Path) route, string? token) =>
        route.Method == "GET" ? gateway.GetApiAsync(route.Path, token) : gateway.PostApiAsync(route.Path, """{"approved":true,"from_step":1}""", token);

    [Fact]
    public async Task Every_api_route_refuses_a_request_without_a_valid_token()
    {
        await using var gateway = await DashboardClient.StartAsync();
        await DashboardSeed.TaskAsync(gateway.Store, gateway.CustomerId);

        foreach (var route in Routes)
        {
            foreach (var token in new string?[] { null, "keel_admin_not-the-token", "keel_sk_unknownkey", "", gateway.Key + "x" })
            {
                var answer = await CallAsync(gateway, route, token);

                Assert.True(answer.Status == 401, $"{route.Method} /api/{route.Path} with '{token}': {answer.Status} {answer.Text}");
                Assert.Equal("invalid_api_key", answer.Json.GetProperty("error").GetProperty("code").GetString());
            }
        }
    }

    [Fact]
    public async Task The_admin_token_is_made_on_the_first_start_and_names_the_admin()
    {
        await using var gateway = await DashboardClient.StartAsync();

        var admin = await gateway.GetApiAsync("me", gateway.AdminToken);
        var customer = await gateway.GetApiAsync("me", gateway.Key);

        Assert.StartsWith(AdminTokens.SecretPrefix, gateway.AdminToken);
        Assert.Equal(200, admin.Status);
        Assert.Equal("admin", admin.Json.Str("role"));
        Assert.False(admin.Json.TryGetProperty("customer_id", out _));
        Assert.Equal(("customer", gateway.CustomerId, "acme"), (customer.Json.Str("role"), customer.Json.Str("customer_id"), customer.Json.Str("customer_name")));
        // Stored hashed: the secret itself is nowhere in the store.
        var stored = await gateway.Store.GetAdminTokenHashAsync(Ct);
        Assert.Equal(Keel.Access.ApiKeySecrets.Hash(gateway.AdminToken!), stored);
    }

    [Fact]
    public async Task The_admin_token_does_not_open_the_openai_endpoints()
    {
        await using var gateway = await DashboardClient.StartAsync();

        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/models");
        using var response = await gateway.SendAsync(request, gateway.AdminToken);

        Assert.Equal(401, (int)response.StatusCode);
    }

    [Fact]
    public async Task A_second_start_keeps_the_token_and_a_new_one_retires_the_old()
    {
        await using var gateway = await DashboardClient.StartAsync();
        var first = gateway.AdminToken!;
        var dbPath = ((Keel.Storage.Sqlite.SqliteKeelStore)gateway.Store).Path;

        var again = await SecondStartAsync(new KeelServerOptions { DbPath = dbPath, Urls = "http://127.0.0.1:0" });
        var replaced = await SecondStartAsync(new KeelServerOptions { DbPath = dbPath, Urls = "http://127.0.0.1:0", NewAdminToken = true });
        gateway.App.Services.GetRequiredService<DashboardAuthenticator>().Forget();

        Assert.Null(again);
        Assert.NotNull(replaced);
        Assert.NotEqual(first, replaced);
        Assert.Equal(401, (await gateway.GetApiAsync("me", first)).Status);
        Assert.Equal(200, (await gateway.GetApiAsync("me", replaced)).Status);
    }

    /// <summary>The token another server start on the same database issues (it is built, not started).</summary>
    private static async Task<string?> SecondStartAsync(KeelServerOptions options)
    {
        await using var app = await KeelServer.BuildAsync(options, Ct);
        return app.Services.GetRequiredService<IssuedAdminToken>().Secret;
    }

    [Fact]
    public async Task Insecure_local_needs_no_token_but_still_refuses_a_wrong_one()
    {
        await using var gateway = await DashboardClient.StartAsync(o => o with { InsecureLocal = true });

        var anonymous = await gateway.GetApiAsync("me", null);
        var wrong = await gateway.GetApiAsync("me", "keel_admin_wrong");
        var customer = await gateway.GetApiAsync("me", gateway.Key);

        Assert.Null(gateway.AdminToken);
        Assert.Equal((200, "insecure-local"), (anonymous.Status, anonymous.Json.Str("role")));
        Assert.Equal(401, wrong.Status);
        Assert.Equal("customer", customer.Json.Str("role"));
    }

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://*:0")]
    [InlineData("http://+:0")]
    [InlineData("http://127.0.0.1:0;http://192.168.1.20:0")]
    [InlineData("http://example.com:0")]
    public async Task Insecure_local_is_refused_unless_every_url_is_loopback(string urls)
    {
        var folder = Directory.CreateTempSubdirectory("keel-insecure-").FullName;
        try
        {
            var options = new KeelServerOptions { DbPath = Path.Combine(folder, "keel.db"), Urls = urls, InsecureLocal = true };

            var refused = await Assert.ThrowsAsync<GatewayConfigException>(() => KeelServer.BuildAsync(options, Ct));

            Assert.Contains("--insecure-local", refused.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(options.DbPath)); // refused before anything was opened or created
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("http://127.0.0.1:8420", true)]
    [InlineData("http://localhost:8420", true)]
    [InlineData("http://[::1]:8420", true)]
    [InlineData("https://127.0.0.2:8443;http://localhost:1", true)]
    [InlineData("http://0.0.0.0:8420", false)]
    [InlineData("http://[::]:8420", false)]
    [InlineData("http://10.0.0.1:8420", false)]
    [InlineData("", false)]
    public void Loopback_urls_are_told_apart(string urls, bool loopback) => Assert.Equal(loopback, LoopbackUrls.All(urls));
}
