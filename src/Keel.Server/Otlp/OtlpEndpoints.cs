using Keel.Server.Access;
using Keel.Server.Hosting;
using Keel.Storage;
using Keel.Telemetry.Otlp.Proto;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Otlp;

/// <summary>
/// The OTLP/HTTP trace receiver, <c>POST /v1/traces</c>: protobuf or JSON, gzip or not, authenticated with a
/// customer's API key or the admin token, answered as the OTLP specification says (the export response on success,
/// with partial success for rejected spans; a <c>google.rpc.Status</c> in the request's encoding on failure).
/// </summary>
public static class OtlpEndpoints
{
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/v1/traces", HandleAsync);
    }

    private static async Task HandleAsync(HttpContext http, ApiKeyAuthenticator keys, DashboardAuthenticator access, OtlpIngestor ingestor, KeelServerOptions options)
    {
        if (OtlpRequestReader.Encoding(http.Request) is not { } encoding)
        {
            await OtlpReply.ErrorAsync(http, StatusCodes.Status415UnsupportedMediaType, OtlpEncoding.Protobuf, OtlpReply.InvalidArgument,
                "Send OTLP traces as Content-Type application/x-protobuf or application/json.").ConfigureAwait(false);
            return;
        }

        if (await AuthenticateAsync(http, keys, access, options).ConfigureAwait(false) is not { } caller)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer";
            await OtlpReply.ErrorAsync(http, StatusCodes.Status401Unauthorized, encoding, OtlpReply.Unauthenticated,
                "Send 'Authorization: Bearer KEY' with a customer's API key (`keel keys create --customer NAME`) or the admin token.").ConfigureAwait(false);
            return;
        }

        IngestResult result;
        try
        {
            var request = await OtlpRequestReader.ReadAsync(http.Request, encoding, http.RequestAborted).ConfigureAwait(false);
            result = await ingestor.IngestAsync(caller, request, http.RequestAborted).ConfigureAwait(false);
        }
        catch (OtlpRequestException ex)
        {
            await OtlpReply.ErrorAsync(http, ex.Status, encoding, ex.Code, ex.Message).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is StoreException or AggregateException or Microsoft.Data.Sqlite.SqliteException)
        {
            // The store is busy or failing: 503 is retryable, so the exporter sends the batch again later.
            http.Response.Headers.RetryAfter = "1";
            await OtlpReply.ErrorAsync(http, StatusCodes.Status503ServiceUnavailable, encoding, OtlpReply.Unavailable,
                $"The spans could not be stored now: {ex.Message}").ConfigureAwait(false);
            return;
        }

        var response = new ExportTraceServiceResponse();
        if (result.Rejected > 0)
        {
            response.PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = result.Rejected, ErrorMessage = result.Message ?? "" };
        }

        await OtlpReply.SuccessAsync(http, encoding, response).ConfigureAwait(false);
    }

    private static async ValueTask<IngestCaller?> AuthenticateAsync(HttpContext http, ApiKeyAuthenticator keys, DashboardAuthenticator access, KeelServerOptions options)
    {
        string? authorization = http.Request.Headers.Authorization;
        if (string.IsNullOrEmpty(authorization))
        {
            return options.InsecureLocal ? IngestCaller.Admin : null; // anyone on this machine, as for the dashboard
        }

        if (await keys.AuthenticateAsync(authorization, http.RequestAborted).ConfigureAwait(false) is { } key)
        {
            return new IngestCaller(key.CustomerId, key.Id);
        }

        return await access.AuthenticateAsync(authorization, http.RequestAborted).ConfigureAwait(false) is { Role: DashboardRole.Admin } ? IngestCaller.Admin : null;
    }
}
