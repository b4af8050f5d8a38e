using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Keel.Telemetry.Otlp;
using Keel.Telemetry.Otlp.Proto;
using Microsoft.Extensions.Logging;

namespace Keel.Telemetry.Export;

/// <summary>
/// Posts one export request as OTLP/HTTP asks: protobuf or JSON, optionally gzipped, with the configured headers;
/// retries what the specification calls retryable (429, 502, 503, 504, a lost connection, a timeout) with
/// exponential backoff and jitter, honouring <c>Retry-After</c>; gives up on anything else at once.
/// </summary>
internal sealed partial class OtlpTraceSender(HttpClient http, OtlpExporterOptions options, TimeProvider time, ILogger logger)
{
    private static readonly ProductInfoHeaderValue UserAgent = new("keel-otlp-exporter", OtlpExporterOptions.Version);

    /// <returns>True when the endpoint accepted the request (perhaps rejecting some spans, which is logged).</returns>
    /// <exception cref="OperationCanceledException">The batch's time ran out, or the exporter is stopping.</exception>
    public async Task<bool> SendAsync(ExportTraceServiceRequest request, CancellationToken cancellationToken)
    {
        var body = Encode(request);
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            string failure;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Timeout);
                using var message = Message(body);
                using var response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    await ReadPartialSuccessAsync(response, cancellationToken).ConfigureAwait(false);
                    return true;
                }

                failure = await DescribeAsync(response, cancellationToken).ConfigureAwait(false);
                if (!IsRetryable(response.StatusCode))
                {
                    LogRefused(logger, request.ResourceSpans.Sum(r => r.ScopeSpans.Sum(s => s.Spans.Count)), options.Endpoint, failure);
                    return false;
                }

                retryAfter = RetryAfter(response.Headers.RetryAfter);
            }
            catch (HttpRequestException ex)
            {
                failure = ex.Message;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"no answer within {options.Timeout.TotalSeconds:0.#} s";
            }

            if (attempt >= options.MaxAttempts)
            {
                LogGaveUp(logger, attempt, options.Endpoint, failure);
                return false;
            }

            await Task.Delay(retryAfter ?? Backoff(attempt), time, cancellationToken).ConfigureAwait(false);
        }
    }

    private byte[] Encode(ExportTraceServiceRequest request)
    {
        var bytes = options.Protocol == OtlpProtocol.HttpJson
            ? System.Text.Encoding.UTF8.GetBytes(OtlpJson.Format(request))
            : request.ToByteArray();
        if (!options.Gzip)
        {
            return bytes;
        }

        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            gzip.Write(bytes);
        }

        return compressed.ToArray();
    }

    /// <summary>A fresh message per attempt (a sent one cannot be sent again), over the same encoded bytes.</summary>
    private HttpRequestMessage Message(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(options.Protocol == OtlpProtocol.HttpJson ? "application/json" : "application/x-protobuf");
        if (options.Gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        var message = new HttpRequestMessage(HttpMethod.Post, options.Endpoint) { Content = content };
        message.Headers.UserAgent.Add(UserAgent);
        foreach (var (name, value) in options.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }

    private async Task ReadPartialSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (bytes.Length == 0)
        {
            return;
        }

        ExportTraceServiceResponse answer;
        try
        {
            answer = response.Content.Headers.ContentType?.MediaType == "application/json"
                ? OtlpJson.Parse<ExportTraceServiceResponse>(System.Text.Encoding.UTF8.GetString(bytes))
                : ExportTraceServiceResponse.Parser.ParseFrom(bytes);
        }
        catch (Exception ex) when (ex is FormatException or InvalidProtocolBufferException)
        {
            return; // accepted all the same; a body Keel cannot read says nothing about rejected spans
        }

        if (answer.PartialSuccess is { } partial && (partial.RejectedSpans > 0 || partial.ErrorMessage.Length > 0))
        {
            LogPartial(logger, options.Endpoint, partial.RejectedSpans, partial.ErrorMessage);
        }
    }

    private static async Task<string> DescribeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = $"HTTP {(int)response.StatusCode}";
        try
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var message = response.Content.Headers.ContentType?.MediaType switch
            {
                "application/x-protobuf" => RpcStatus.Parser.ParseFrom(bytes).Message,
                "application/json" => OtlpJson.Parse<RpcStatus>(System.Text.Encoding.UTF8.GetString(bytes)).Message,
                _ => "",
            };
            return message.Length > 0 ? $"{status}: {message}" : status;
        }
        catch (Exception ex) when (ex is FormatException or InvalidProtocolBufferException)
        {
            return status;
        }
    }

    internal static bool IsRetryable(HttpStatusCode status) => status is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway
        or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1: doubling from the first backoff, ±20 % jitter.</summary>
    private TimeSpan Backoff(int attempt) =>
        options.RetryBackoff * Math.Pow(2, attempt - 1) * (0.8 + (0.4 * Random.Shared.NextDouble()));

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP export: {Endpoint} refused {Spans} spans ({Failure}); they are not retried.")]
    private static partial void LogRefused(ILogger logger, int spans, Uri endpoint, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP export: gave up after {Attempts} attempts to reach {Endpoint} ({Failure}).")]
    private static partial void LogGaveUp(ILogger logger, int attempts, Uri endpoint, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OTLP export: {Endpoint} rejected {Rejected} spans: {Message}")]
    private static partial void LogPartial(ILogger logger, Uri endpoint, long rejected, string message);
}
