using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Keel.Server.Tests.Harness;

namespace Keel.Server.Tests.Dashboard;

/// <summary>Calls to the dashboard API (<c>/api/...</c>) with a token of the test's choosing, or none.</summary>
internal static class DashboardClient
{
    /// <summary>A gateway with one OpenAI-compatible deployment: the dashboard tests seed the store, not the upstream.</summary>
    public static Task<GatewayHarness> StartAsync(Func<Keel.Server.Hosting.KeelServerOptions, Keel.Server.Hosting.KeelServerOptions>? options = null) =>
        GatewayHarness.StartAsync(c => c.OpenAi("primary").Alias("chat", "primary"), options: options);

    public static async Task<GatewayAnswer> GetApiAsync(this GatewayHarness gateway, string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/" + path);
        using var response = await gateway.SendAsync(request, token);
        return await GatewayAnswer.ReadAsync(response);
    }

    public static async Task<GatewayAnswer> PostApiAsync(this GatewayHarness gateway, string path, string json, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/" + path)
        {
            Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        using var response = await gateway.SendAsync(request, token);
        return await GatewayAnswer.ReadAsync(response);
    }

    /// <summary>The ids of the <c>tasks</c> array of a listing, in order.</summary>
    public static string[] TaskIds(this GatewayAnswer answer) =>
        [.. answer.Json.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("id").GetString()!)];

    public static string Str(this JsonElement element, string name) => element.GetProperty(name).GetString()!;
}
