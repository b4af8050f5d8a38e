using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Keel.Providers;

/// <summary>
/// Classifies what providers throw or answer into <see cref="ModelCallException"/>s, the one shape that retry
/// and fallback decisions read.
/// </summary>
public static class ProviderErrors
{
    /// <summary>The classification of an HTTP error answer.</summary>
    public static ModelCallException FromStatus(int status, string message, TimeSpan? retryAfter = null, string? body = null, string? errorCode = null)
    {
        var kind = status switch
        {
            429 => ModelErrorKind.RateLimited,
            408 => ModelErrorKind.Timeout,
            409 or >= 500 => ModelErrorKind.ServerError,
            401 or 403 or 404 => ModelErrorKind.ProviderRejected,
            _ when IsContextLength(errorCode, message) => ModelErrorKind.ContextLengthExceeded,
            _ => ModelErrorKind.BadRequest,
        };
        return new ModelCallException(kind, message, status, retryAfter) { ProviderBody = body };
    }

    /// <summary>
    /// Finds the classification of an exception a provider SDK threw: a <see cref="ModelCallException"/> anywhere in
    /// its chain, an HTTP status (OpenAI's ClientResultException.Status, Anthropic's StatusCode), a timeout or a
    /// connection failure. Null for anything else, which is a bug to surface, not a fault to retry.
    /// </summary>
    public static ModelCallException? Classify(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case ModelCallException classified:
                    return classified;
                case HttpRequestException { StatusCode: { } code }:
                    return FromStatus((int)code, current.Message);
                case HttpRequestException or IOException:
                    return new ModelCallException(ModelErrorKind.Connection, current.Message, inner: exception);
                case TimeoutException:
                    return new ModelCallException(ModelErrorKind.Timeout, current.Message, 408, inner: exception);
            }

            if (StatusOf(current) is { } status and >= 400)
            {
                return FromStatus(status, current.Message);
            }
        }

        return null;
    }

    /// <summary>Reads Retry-After (delta-seconds or an HTTP date) or OpenAI's retry-after-ms.</summary>
    public static TimeSpan? RetryAfter(string? retryAfterMs, string? retryAfter, DateTimeOffset now)
    {
        if (double.TryParse(retryAfterMs, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms >= 0)
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        if (double.TryParse(retryAfter, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DateTimeOffset.TryParse(retryAfter, System.Globalization.CultureInfo.InvariantCulture, out var at) && at > now ? at - now : null;
    }

    private static bool IsContextLength(string? code, string message) =>
        code == "context_length_exceeded"
        || message.Contains("maximum context length", StringComparison.OrdinalIgnoreCase)
        || message.Contains("prompt is too long", StringComparison.OrdinalIgnoreCase);

    // SDKs expose the status under different names; reflection here runs only on the error path. The trimmed native
    // build keeps these properties on OpenAI's exception (the SDK the gateway uses); on another type they read as
    // no status, and the error is classified by its type and message as above.
    [DynamicDependency("Status", "System.ClientModel.ClientResultException", "System.ClientModel")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Best effort by design: a trimmed property reads as no status.")]
    private static int? StatusOf(Exception exception)
    {
        foreach (var name in new[] { "Status", "StatusCode" })
        {
            var value = exception.GetType().GetProperty(name)?.GetValue(exception);
            switch (value)
            {
                case int i:
                    return i;
                case HttpStatusCode code:
                    return (int)code;
            }
        }

        return null;
    }
}
