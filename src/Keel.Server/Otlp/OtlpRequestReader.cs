using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
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
        if (request.ContentLength > MaxBodyBytes)
        {
            throw TooLarge();
        }

        var contentEncoding = request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        var body = contentEncoding switch
        {
            "" or "identity" => request.BodyReader,
            "gzip" => PipeReader.Create(new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true)),
            _ => throw new OtlpRequestException(StatusCodes.Status415UnsupportedMediaType, OtlpReply.InvalidArgument,
                $"Content-Encoding '{contentEncoding}' is not supported; send gzip or no encoding."),
        };

        // The whole body is buffered by the pipe and decoded where it lies: no copy into an array of our own (a large-object
        // heap allocation per request, twice, when it was read through a MemoryStream).
        while (true)
        {
            ReadResult read;
            try
            {
                read = await body.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidDataException ex)
            {
                throw new OtlpRequestException(StatusCodes.Status400BadRequest, OtlpReply.InvalidArgument, $"The body is not valid gzip: {ex.Message}");
            }

            if (read.Buffer.Length > MaxBodyBytes)
            {
                throw TooLarge();
            }

            if (read.IsCompleted)
            {
                try
                {
                    return Decode(read.Buffer, encoding);
                }
                finally
                {
                    body.AdvanceTo(read.Buffer.End);
                    if (body != request.BodyReader)
                    {
                        await body.CompleteAsync().ConfigureAwait(false);
                    }
                }
            }

            body.AdvanceTo(read.Buffer.Start, read.Buffer.End); // nothing consumed, all of it seen: wait for more
        }
    }

    private static ExportTraceServiceRequest Decode(ReadOnlySequence<byte> body, OtlpEncoding encoding)
    {
        try
        {
            return encoding == OtlpEncoding.Json
                ? OtlpJson.ParseRequest(System.Text.EncodingExtensions.GetString(System.Text.Encoding.UTF8, body))
                : ExportTraceServiceRequest.Parser.ParseFrom(body);
        }
        catch (Exception ex) when (ex is InvalidProtocolBufferException or FormatException)
        {
            throw new OtlpRequestException(StatusCodes.Status400BadRequest, OtlpReply.InvalidArgument,
                $"The body is not an OTLP ExportTraceServiceRequest in {(encoding == OtlpEncoding.Json ? "JSON" : "protobuf")}: {ex.Message}");
        }
    }

    private static OtlpRequestException TooLarge() => new(StatusCodes.Status413PayloadTooLarge, OtlpReply.ResourceExhausted,
        $"An export request may hold at most {MaxBodyBytes / (1024 * 1024)} MiB (decompressed); send smaller batches.");
}
