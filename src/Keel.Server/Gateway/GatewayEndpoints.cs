using System.Text.Json;
using Keel.Server.Access;
using Keel.Server.Routing;
using Keel.Server.Wire;
using Keel.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Server.Gateway;

/// <summary>The OpenAI-compatible routes and the health check.</summary>
public static class GatewayEndpoints
{
    /// <summary>The chat route: the one route that runs inline on the socket threads (Hosting.ThreadPoolHop).</summary>
    public const string ChatCompletionsPath = "/v1/chat/completions";

    public static void Map(WebApplication app)
    {
        var chat = app.Services.GetRequiredService<ChatCompletionsEndpoint>();
        app.MapPost(ChatCompletionsPath, chat.HandleAsync);
        app.MapGet("/v1/models", ListModelsAsync);
        app.MapGet("/healthz", HealthAsync);
        Api.TaskEndpoints.Map(app);
        Api.BudgetEndpoints.Map(app);
        Api.MemoryEndpoints.Map(app);
        Api.BillingEndpoints.Map(app);
        Mcp.KeelMcpServer.Map(app);
        Otlp.OtlpEndpoints.Map(app);
        app.Map("/v1/{**rest}", (HttpContext http) => GatewayResponses.WriteErrorAsync(http,
            OpenAiError.NotFound($"Keel's gateway does not serve {http.Request.Method} {http.Request.Path}. It serves POST /v1/chat/completions and GET /v1/models.")));
    }

    private static async Task ListModelsAsync(HttpContext http, GatewayCatalog catalog, ApiKeyAuthenticator keys, TimeProvider time)
    {
        if (await keys.AuthenticateOrRefuseAsync(http).ConfigureAwait(false) is null)
        {
            return;
        }

        var created = time.GetUtcNow().ToUnixTimeSeconds();
        http.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(http.Response.Body, WireJson.Options);
        writer.WriteStartObject();
        writer.WriteString("object", "list");
        writer.WriteStartArray("data");
        foreach (var route in catalog.Routes.OrderBy(r => r.Alias, StringComparer.Ordinal))
        {
            writer.WriteStartObject();
            writer.WriteString("id", route.Alias);
            writer.WriteString("object", "model");
            writer.WriteNumber("created", created);
            writer.WriteString("owned_by", "keel");
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    private static async Task HealthAsync(HttpContext http, IKeelStore store, GatewayCatalog catalog)
    {
        var stats = await store.GetStatsAsync(http.RequestAborted).ConfigureAwait(false);
        http.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(http.Response.Body, WireJson.Options);
        writer.WriteStartObject();
        writer.WriteString("status", "ok");
        writer.WriteNumber("models", catalog.Routes.Count);
        writer.WriteNumber("tasks", stats.Tasks);
        writer.WriteEndObject();
        await writer.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }
}
