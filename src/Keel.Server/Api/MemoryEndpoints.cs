using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization.Metadata;
using Keel.Memory;
using Keel.Server.Access;
using Keel.Server.Dashboard.Api;
using Keel.Server.Gateway;
using Keel.Server.Routing;
using Keel.Server.Wire;
using Keel.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Api;

/// <summary>
/// <c>/v1/memories</c>: a customer's agent memory over REST, with the same API keys as the gateway. A key sees only
/// its customer's memories: the customer is part of every scope, and another customer's id is a 404 as if it did
/// not exist. Bodies and answers are snake_case JSON; errors are OpenAI-shaped.
/// </summary>
public static class MemoryEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/v1/memories", AddAsync);
        app.MapGet("/v1/memories", ListAsync);
        app.MapPost("/v1/memories/search", SearchAsync);
        app.MapPost("/v1/memories/forget", ForgetAsync);
        app.MapPost("/v1/memories/context", MemoryContextEndpoint.BuildAsync);
        MemoryRetentionEndpoints.Map(app);
        app.MapGet("/v1/memories/{id}", GetAsync);
        app.MapDelete("/v1/memories/{id}", DeleteAsync);
    }

    /// <summary>One memory (<c>{"text", "kind", "user_id", ...}</c>) or a batch (<c>{"memories": [...]}</c>) in one transaction.</summary>
    private static Task AddAsync(HttpContext http, ApiKeyAuthenticator keys, GatewayCatalog catalog, MemoryService memory, TimeProvider time) =>
        MemoryRequest.RunAsync(http, keys, async customerId =>
        {
            var body = await JsonBody.ReadObjectAsync(http, catalog).ConfigureAwait(false);
            var batch = body.TryGetProperty("memories", out _);
            var inputs = batch
                ? MemoryRequest.Deserialize(body, MemoryApiJson.Default.MemoryBatchInputJson).Memories
                    ?? throw new MemoryInputException("'memories' must be a list of memories.", "memories")
                : [MemoryRequest.Deserialize(body, MemoryApiJson.Default.MemoryInputJson)];
            if (inputs.Count is 0 or > MemoryWire.MaxBatch)
            {
                throw new MemoryInputException($"'memories' must hold 1 to {MemoryWire.MaxBatch} memories.", "memories");
            }

            var memories = inputs.Select((input, i) => MemoryWire.ToNew(customerId, input ?? throw new MemoryInputException($"'memories[{i}]' is null.", $"memories[{i}]"),
                batch ? $"memories[{i}]." : "")).ToList();
            var superseded = memories.SelectMany(m => m.Supersedes).Distinct(StringComparer.Ordinal).ToList();
            if (superseded.Count > 0)
            {
                var found = await memory.Store.GetMemoriesAsync(customerId, superseded, http.RequestAborted).ConfigureAwait(false);
                if (superseded.FirstOrDefault(id => !found.Any(m => m.Id == id)) is { } missing)
                {
                    await GatewayResponses.WriteErrorAsync(http, OpenAiError.NotFound($"No memory '{missing}' for this API key: 'supersedes' names memories of your own.")).ConfigureAwait(false);
                    return;
                }
            }

            var written = await memory.AddAsync(memories, http.RequestAborted).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var status = written.All(w => w.Deduplicated) ? StatusCodes.Status200OK : StatusCodes.Status201Created;
            if (batch)
            {
                await JsonBody.WriteAsync(http, new MemoryWriteListJson("list", [.. written.Select(w => MemoryWire.ToJson(w, now))]), MemoryApiJson.Wire.MemoryWriteListJson, status).ConfigureAwait(false);
            }
            else
            {
                await JsonBody.WriteAsync(http, MemoryWire.ToJson(written[0], now), MemoryApiJson.Wire.MemoryWriteJson, status).ConfigureAwait(false);
            }
        });

    /// <summary>
    /// Filters: <c>user_id</c>, <c>agent_id</c>, <c>session_id</c>, <c>kind</c> (comma-separated), <c>occurred_from</c>,
    /// <c>occurred_to</c>, <c>as_of</c>, <c>source_session_id</c>, <c>source_task_id</c>, <c>source_step_seq</c>,
    /// <c>source_message_id</c>, <c>source_external_id</c>, <c>history=true</c>, <c>limit</c> (1 to 1000, 100). Newest first.
    /// </summary>
    private static Task ListAsync(HttpContext http, ApiKeyAuthenticator keys, MemoryService memory, TimeProvider time) =>
        MemoryRequest.RunAsync(http, keys, async customerId =>
        {
            var query = new ApiQuery(http.Request.Query);
            var limit = query.Int("limit", 100, 1, MemoryWire.MaxListLimit);
            var history = Flag(query, "history");
            var stepSeq = query.Long("source_step_seq");
            var from = query.Time("occurred_from");
            var to = query.Time("occurred_to");
            var asOf = query.Time("as_of");
            if (query.Error is { } error)
            {
                throw new MemoryInputException(error);
            }

            if (stepSeq is > int.MaxValue)
            {
                throw new MemoryInputException("'source_step_seq' is too large.", "source_step_seq");
            }

            var source = new MemorySourceJson(query.Text("source_session_id"), query.Text("source_task_id"), stepSeq is { } s ? (int)s : null,
                query.Text("source_message_id"), query.Text("source_external_id"));
            var filter = MemoryWire.Filter(customerId, query.Text("user_id"), query.Text("agent_id"), query.Text("session_id"),
                http.Request.Query["kind"].OfType<string>(), from, to, source, history, asOf);
            var found = await memory.Store.ListMemoriesAsync(filter, limit + 1, http.RequestAborted).ConfigureAwait(false);
            var now = time.GetUtcNow();
            await JsonBody.WriteAsync(http, new MemoryListJson("list", [.. found.Take(limit).Select(m => MemoryWire.ToJson(m, now))], found.Count > limit),
                MemoryApiJson.Wire.MemoryListJson).ConfigureAwait(false);
        });

    /// <summary>One memory; with <c>?history=true</c> also the versions it replaced, newest first.</summary>
    private static Task GetAsync(HttpContext http, string id, ApiKeyAuthenticator keys, MemoryService memory, TimeProvider time) =>
        MemoryRequest.RunAsync(http, keys, async customerId =>
        {
            var query = new ApiQuery(http.Request.Query);
            var history = Flag(query, "history");
            if (query.Error is { } error)
            {
                throw new MemoryInputException(error);
            }

            var found = await memory.Store.GetMemoriesAsync(customerId, [id], http.RequestAborted).ConfigureAwait(false);
            if (found.Count == 0)
            {
                await MemoryRequest.NotFoundAsync(http, id).ConfigureAwait(false);
                return;
            }

            var now = time.GetUtcNow();
            var json = MemoryWire.ToJson(found[0], now);
            if (history)
            {
                var chain = await memory.Store.GetMemoryHistoryAsync(customerId, id, http.RequestAborted).ConfigureAwait(false);
                json = json with { History = [.. chain.Where(m => m.Id != id).Select(m => MemoryWire.ToJson(m, now))] };
            }

            await JsonBody.WriteAsync(http, json, MemoryApiJson.Wire.MemoryJson).ConfigureAwait(false);
        });

    /// <summary>Forgets one memory, with its embedding and index entries.</summary>
    private static Task DeleteAsync(HttpContext http, string id, ApiKeyAuthenticator keys, MemoryService memory) =>
        MemoryRequest.RunAsync(http, keys, async customerId =>
        {
            var found = await memory.Store.GetMemoriesAsync(customerId, [id], http.RequestAborted).ConfigureAwait(false);
            if (found.Count == 0)
            {
                await MemoryRequest.NotFoundAsync(http, id).ConfigureAwait(false);
                return;
            }

            await memory.ForgetAsync(new MemoryForgetRequest(new MemoryScope(customerId)) { Ids = [id] }, http.RequestAborted).ConfigureAwait(false);
            await JsonBody.WriteAsync(http, new MemoryDeletedJson(id, "memory.deleted", true), MemoryApiJson.Wire.MemoryDeletedJson).ConfigureAwait(false);
        });

    /// <summary>Hybrid search: <c>{"query", "k", scope parts, "kinds", "occurred_from", "occurred_to", "source", "include_history", "as_of", "neighbours", "scoring"}</c>.</summary>
    private static Task SearchAsync(HttpContext http, ApiKeyAuthenticator keys, GatewayCatalog catalog, MemoryService memory, TimeProvider time) =>
        MemoryRequest.RunAsync(http, keys, async customerId =>
        {
            var body = await JsonBody.ReadObjectAsync(http, catalog).ConfigureAwait(false);
            var query = MemoryWire.ToQuery(customerId, MemoryRequest.Deserialize(body, MemoryApiJson.Default.MemorySearchRequestJson));
            var result = await memory.SearchAsync(query, http.RequestAborted).ConfigureAwait(false);
            await JsonBody.WriteAsync(http, MemoryWire.ToJson(result, time.GetUtcNow()), MemoryApiJson.Wire.MemorySearchJson).ConfigureAwait(false);
        });

    /// <summary>Forgets by ids, by source, or (<c>"all_in_scope": true</c>) everything in a scope: a user's erasure request.</summary>
    private static Task ForgetAsync(HttpContext http, ApiKeyAuthenticator keys, GatewayCatalog catalog, MemoryService memory) =>
        MemoryRequest.RunAsync(http, keys, async customerId =>
        {
            var body = await JsonBody.ReadObjectAsync(http, catalog).ConfigureAwait(false);
            var request = MemoryWire.ToForget(customerId, MemoryRequest.Deserialize(body, MemoryApiJson.Default.MemoryForgetRequestJson));
            var deleted = await memory.ForgetAsync(request, http.RequestAborted).ConfigureAwait(false);
            await JsonBody.WriteAsync(http, new MemoryForgetJson("memory.forget", deleted), MemoryApiJson.Wire.MemoryForgetJson).ConfigureAwait(false);
        });

    private static bool Flag(ApiQuery query, string name)
    {
        switch (query.Text(name)?.ToLowerInvariant())
        {
            case null or "false" or "0":
                return false;
            case "true" or "1":
                return true;
            default:
                query.Fail(name, "true or false");
                return false;
        }
    }
}

/// <summary>What every memory endpoint does around its work: authenticate, read the body, turn bad input into 400s.</summary>
internal static partial class MemoryRequest
{
    public static async Task RunAsync(HttpContext http, ApiKeyAuthenticator keys, Func<string, Task> handle)
    {
        var key = await keys.AuthenticateOrRefuseAsync(http).ConfigureAwait(false);
        if (key is null)
        {
            return;
        }

        OpenAiError error;
        try
        {
            await handle(key.CustomerId).ConfigureAwait(false);
            return;
        }
        catch (MemoryInputException ex)
        {
            error = OpenAiError.Invalid(ex.Message, ex.Param);
        }
        catch (GatewayException ex)
        {
            error = ex.Error;
        }
        catch (JsonException ex)
        {
            error = Describe(ex);
        }
        catch (ArgumentException ex)
        {
            error = OpenAiError.Invalid(ex.Message, ex.ParamName);
        }

        await GatewayResponses.WriteErrorAsync(http, error).ConfigureAwait(false);
    }

    public static T Deserialize<T>(JsonElement body, JsonTypeInfo<T> type) =>
        body.Deserialize(type) ?? throw new GatewayException(OpenAiError.InvalidJson("the body must be a JSON object."));

    [GeneratedRegex("The JSON property '([^']+)' could not be mapped")]
    private static partial Regex UnmappedProperty();

    public static Task NotFoundAsync(HttpContext http, string id) =>
        GatewayResponses.WriteErrorAsync(http, OpenAiError.NotFound($"No memory '{id}' for this API key."));

    /// <summary>A field of the wrong type or an unknown one, named by its JSON path rather than by .NET's type names.</summary>
    private static OpenAiError Describe(JsonException ex)
    {
        var path = ex.Path is { Length: > 2 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : null;
        if (UnmappedProperty().Match(ex.Message) is { Success: true } unknown)
        {
            var name = path ?? unknown.Groups[1].Value; // the path already ends with the unknown property
            return OpenAiError.Invalid($"Unknown field '{name}'. See docs/memory.md for the fields this endpoint takes.", name);
        }

        return OpenAiError.Invalid($"'{path ?? "body"}' has the wrong type or format (numbers are JSON numbers, times ISO-8601 like 2025-03-14T09:26:53Z).", path);
    }
}
