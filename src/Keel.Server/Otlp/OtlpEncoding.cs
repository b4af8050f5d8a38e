using Google.Protobuf;
using Keel.Telemetry.Otlp;
using Keel.Telemetry.Otlp.Proto;
using Microsoft.AspNetCore.Http;

namespace Keel.Server.Otlp;

/// <summary>The two encodings of OTLP/HTTP; a response is written in the encoding of its request.</summary>
public enum OtlpEncoding
{
    Protobuf,
    Json,
}

/// <summary>How the receiver answers: the export response on success, a <c>google.rpc.Status</c> on failure.</summary>
internal static class OtlpReply
{
    // gRPC status codes, which OTLP/HTTP's Status carries in its code field.
    public const int InvalidArgument = 3;
    public const int ResourceExhausted = 8;
    public const int Unavailable = 14;
    public const int Unauthenticated = 16;

    public static Task SuccessAsync(HttpContext http, OtlpEncoding encoding, ExportTraceServiceResponse response) =>
        WriteAsync(http, StatusCodes.Status200OK, encoding, response);

    public static Task ErrorAsync(HttpContext http, int status, OtlpEncoding encoding, int code, string message) =>
        WriteAsync(http, status, encoding, new RpcStatus { Code = code, Message = message });

    private static async Task WriteAsync(HttpContext http, int status, OtlpEncoding encoding, IMessage message)
    {
        http.Response.StatusCode = status;
        var body = encoding == OtlpEncoding.Json ? System.Text.Encoding.UTF8.GetBytes(OtlpJson.Format(message)) : message.ToByteArray();
        http.Response.ContentType = encoding == OtlpEncoding.Json ? "application/json" : "application/x-protobuf";
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
    }
}
