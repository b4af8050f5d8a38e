using Microsoft.AspNetCore.Http;

namespace Keel.Server.Wire;

/// <summary>Reads a request body up to the configured limit; past it the request is refused with 413, not buffered.</summary>
public static class RequestBody
{
    public static async Task<byte[]> ReadAsync(HttpContext http, long limit, CancellationToken cancellationToken)
    {
        if (http.Request.ContentLength > limit)
        {
            throw new GatewayException(OpenAiError.TooLarge(limit));
        }

        using var buffer = new MemoryStream(http.Request.ContentLength is { } length ? (int)length : 4096);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new GatewayException(OpenAiError.TooLarge(limit));
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
