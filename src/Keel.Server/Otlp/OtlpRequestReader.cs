using System.IO.Compression;
using System.Net.Http.Headers;
using Google.Protobuf;
using Keel.Telemetry.Otlp;
using Keel.Telemetry.Otlp.Proto;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Otlp;

/// <summary>A request the receiver refuses, with the HTTP status and the status code of its <c>google.rpc.Status</c> body.</summary>
internal sealed class OtlpRequestException(int status, int code, string message) : Exception(message)
{
    public int Status { get; } = status;
    public int Code { get; } = code;
}

/// <summary>
/// Reads an OTLP/HTTP export request: its encoding from <c>Content-Type</c>, its body (gzip or not) up to a limit
/// that holds for the decompressed size too, and the decoded message.
/// </summary>
internal static class OtlpRequestReader
{
    /// <summary>The most an export request may hold, decompressed: far above a batch of 512 spans with content.</summary>
    public const int MaxBodyBytes = 32 * 1024 * 1024;

    /// <summary>The encoding of the request; null when it is neither OTLP encoding.</summary>
    public static OtlpEncoding? Encoding(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type) ? type.MediaType?.ToLowerInvariant() switch
        {
            "application/x-protobuf" => OtlpEncoding.Protobuf,
            "application/json" => OtlpEncoding.Json,
            _ => null,
        } : null;

    /// <exception cref="OtlpRequestException">The body is too large, compressed in an unknown way, or not an export request.</exception>
    public static async Task<ExportTraceServiceRequest> ReadAsync(HttpRequest request, OtlpEncoding encoding, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            return encoding == OtlpEncoding.Json
                ? OtlpJson.ParseRequest(System.Text.Encoding.UTF8.GetString(body))
                : ExportTraceServiceRequest.Parser.ParseFrom(body);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or FormatException)
        {
            throw new OtlpRequestException(StatusCodes.Status400BadRequest, OtlpReply.InvalidArgument,
                $"The body is not an OTLP ExportTraceServiceRequest in {(encoding == OtlpEncoding.Json ? "JSON" : "protobuf")}: {ex.Message}");
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var contentEncoding = request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        Stream source = contentEncoding switch
        {
            "" or "identity" => request.Body,
            "gzip" => new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            _ => throw new OtlpRequestException(StatusCodes.Status415UnsupportedMediaType, OtlpReply.InvalidArgument,
                $"Content-Encoding '{contentEncoding}' is not supported; send gzip or no encoding."),
        };
        if (request.ContentLength > MaxBodyBytes)
        {
            throw TooLarge();
        }

        await using (source.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream(request.ContentLength is { } length && contentEncoding.Length == 0 ? (int)length : 16 * 1024);
            var chunk = new byte[16 * 1024];
            try
            {
                int read;
                while ((read = await source.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (buffer.Length + read > MaxBodyBytes)
                    {
                        throw TooLarge();
                    }

                    buffer.Write(chunk, 0, read);
                }
            }
            catch (InvalidDataException ex)
            {
                throw new OtlpRequestException(StatusCodes.Status400BadRequest, OtlpReply.InvalidArgument, $"The body is not valid gzip: {ex.Message}");
            }

            return buffer.ToArray();
        }
    }

    private static OtlpRequestException TooLarge() => new(StatusCodes.Status413PayloadTooLarge, OtlpReply.ResourceExhausted,
        $"An export request may hold at most {MaxBodyBytes / (1024 * 1024)} MiB (decompressed); send smaller batches.");
}
