using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Keel.Billing;
using Keel.Server.Access;
using Keel.Server.Gateway;
using Keel.Server.Routing;
using Keel.Server.Wire;
using Keel.Storage;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Api;

/// <summary>A field of a billing request that is missing or malformed: a 400 naming it.</summary>
internal sealed class BillingInputException(string message, string? param = null) : Exception(message)
{
    public string? Param { get; } = param;
}

/// <summary>
/// What every billing endpoint does around its work: authenticate (admin token or customer key), read the body, and
/// turn billing's refusals into OpenAI-shaped errors: bad input 400, someone else's data 404, a state that does not
/// allow the change (a finalized invoice, a reused idempotency key) 409.
/// </summary>
internal static class BillingRequest
{
    public static async Task RunAsync(HttpContext http, DashboardAuthenticator auth, Func<DashboardCaller, Task> handle, bool adminOnly = false)
    {
        var caller = await auth.AuthenticateOrRefuseAsync(http).ConfigureAwait(false);
        if (caller is null)
        {
            return;
        }

        if (adminOnly && caller.CustomerId is not null)
        {
            await GatewayResponses.WriteErrorAsync(http, new OpenAiError(403,
                $"{http.Request.Method} {http.Request.Path} needs the admin token: a customer's API key reads its own invoices and posts its own events only.",
                "invalid_request_error", "admin_only")).ConfigureAwait(false);
            return;
        }

        OpenAiError error;
        try
        {
            await handle(caller).ConfigureAwait(false);
            return;
        }
        catch (BillingInputException ex)
        {
            error = OpenAiError.Invalid(ex.Message, ex.Param);
        }
        catch (GatewayException ex)
        {
            error = ex.Error;
        }
        catch (JsonException ex)
        {
            error = OpenAiError.InvalidJson(ex.Message);
        }
        catch (ArgumentException ex)
        {
            error = OpenAiError.Invalid(ex.Message, ex.ParamName);
        }
        catch (BillableEventConflictException ex)
        {
            error = new OpenAiError(409, ex.Message, "invalid_request_error", "idempotency_key_reused", "idempotency_key");
        }
        catch (InvoiceImmutableException ex)
        {
            error = new OpenAiError(409, ex.Message, "invalid_request_error", "invoice_immutable");
        }
        catch (Exception ex) when (ex is StoreException or InvalidOperationException)
        {
            error = OpenAiError.Conflict(ex.Message);
        }

        await GatewayResponses.WriteErrorAsync(http, error).ConfigureAwait(false);
    }

    /// <inheritdoc cref="JsonBody.ReadObjectAsync"/>
    public static Task<JsonElement> ReadObjectAsync(HttpContext http, GatewayCatalog catalog, bool emptyIsObject = false) =>
        JsonBody.ReadObjectAsync(http, catalog, emptyIsObject);

    public static async Task<string> ReadTextAsync(HttpContext http, GatewayCatalog catalog) =>
        System.Text.Encoding.UTF8.GetString(await RequestBody.ReadAsync(http, catalog.MaxBodyBytes, http.RequestAborted).ConfigureAwait(false));

    public static string? Text(JsonElement json, string name, string? prefix = null, bool required = false)
    {
        if (!json.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null)
        {
            return required ? throw new BillingInputException($"'{prefix}{name}' is required.", prefix + name) : null;
        }

        return p.ValueKind == JsonValueKind.String && p.GetString() is { Length: > 0 and <= 256 } text && !string.IsNullOrWhiteSpace(text)
            ? text
            : throw new BillingInputException($"'{prefix}{name}' must be a non-empty string of at most 256 characters.", prefix + name);
    }

    public static decimal? Number(JsonElement json, string name, string? prefix = null)
    {
        if (!json.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return p.ValueKind == JsonValueKind.Number && p.TryGetDecimal(out var value)
            ? value
            : throw new BillingInputException($"'{prefix}{name}' must be a number.", prefix + name);
    }

    public static int? Int(JsonElement json, string name)
    {
        if (!json.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return p.ValueKind == JsonValueKind.Number && p.TryGetInt32(out var value) && value > 0
            ? value
            : throw new BillingInputException($"'{name}' must be a positive whole number.", name);
    }

    public static bool Flag(JsonElement json, string name) =>
        json.TryGetProperty(name, out var p) && p.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw new BillingInputException($"'{name}' must be true or false.", name),
        };

    public static DateTimeOffset? Time(JsonElement json, string name, string? prefix = null)
    {
        if (!json.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return p.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(p.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new BillingInputException($"'{prefix}{name}' must be an ISO-8601 time like 2026-11-03T10:00:00Z.", prefix + name);
    }

    /// <summary>A query-string time or date (<c>from</c>, <c>to</c>).</summary>
    public static DateTimeOffset? QueryTime(HttpContext http, string name)
    {
        if (Query(http, name) is not { } text)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw new BillingInputException($"'{name}' must be an ISO-8601 date or time like 2026-11-01.", name);
    }

    /// <summary>A month like <c>2026-11</c>; the current month when absent.</summary>
    public static BillingPeriod Month(string? text, TimeProvider time, string param = "period")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return BillingPeriod.MonthOf(time.GetUtcNow());
        }

        return BillingPeriod.TryParseMonth(text, out var month)
            ? month
            : throw new BillingInputException($"'{param}' must be a month like 2026-11.", param);
    }

    /// <summary>
    /// The customer a request names (name or id). A customer's key may name only itself (or nothing); anything
    /// else is a 404, as if the customer did not exist.
    /// </summary>
    /// <exception cref="GatewayException">The 404 (<see cref="RunAsync"/> answers it).</exception>
    public static async Task<string> CustomerAsync(HttpContext http, IKeelStore store, DashboardCaller caller, string? named, string param = "customer")
    {
        if (named is null)
        {
            return caller.CustomerId ?? throw new BillingInputException($"'{param}' is required with the admin token.", param);
        }

        return await store.FindVisibleCustomerIdAsync(caller, named, http.RequestAborted).ConfigureAwait(false)
            ?? throw new GatewayException(VisibleCustomers.NotFound(caller, named));
    }

    /// <summary>
    /// The customer a listing's optional <c>?customer=</c> narrows to: without it, a customer's key sees its own
    /// customer and the admin token everyone (null).
    /// </summary>
    /// <exception cref="GatewayException">A 404, as <see cref="CustomerAsync"/>.</exception>
    public static async Task<string?> CustomerFilterAsync(HttpContext http, IKeelStore store, DashboardCaller caller) =>
        Query(http, "customer") is { } named ? await CustomerAsync(http, store, caller, named).ConfigureAwait(false) : caller.CustomerId;

    /// <summary>A query-string parameter, null when absent or empty.</summary>
    public static string? Query(HttpContext http, string name) =>
        http.Request.Query[name].ToString() is { Length: > 0 } text ? text : null;

    public static Task WriteAsync<T>(HttpContext http, T value, JsonTypeInfo<T> type, int status = StatusCodes.Status200OK) =>
        JsonBody.WriteAsync(http, value, type, status);

    /// <summary><c>{"object":"list","data":[...]}</c>, as OpenAI lists things.</summary>
    public static Task WriteListAsync<T>(HttpContext http, IEnumerable<T> items, JsonTypeInfo<T> type, int status = StatusCodes.Status200OK) =>
        WriteListAsync(http, items, (writer, item) => JsonSerializer.Serialize(writer, item, type), status);

    /// <summary>
    /// A list written by <paramref name="write"/> into memory first (the serializer flushes synchronously, which Kestrel
    /// refuses), then sent at once: an error while writing can still be answered as an error.
    /// </summary>
    public static async Task WriteListAsync<T>(HttpContext http, IEnumerable<T> items, Action<Utf8JsonWriter, T> write, int status = StatusCodes.Status200OK)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            foreach (var item in items)
            {
                write(writer, item);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = buffer.WrittenCount;
        await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted).ConfigureAwait(false);
    }
}
