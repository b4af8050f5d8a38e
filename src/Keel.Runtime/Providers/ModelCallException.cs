namespace Keel.Providers;

/// <summary>A failed attempt at a model call, classified so that resilience can decide what to do next.</summary>
public sealed class ModelCallException(ModelErrorKind kind, string message, int? statusCode = null, TimeSpan? retryAfter = null, Exception? inner = null)
    : Exception(message, inner)
{
    /// <summary>The provider's own error body, relayed to gateway clients when no deployment could do better.</summary>
    public string? ProviderBody { get; init; }

    public ModelErrorKind Kind { get; } = kind;

    /// <summary>The HTTP status the provider answered with, when there was one.</summary>
    public int? StatusCode { get; } = statusCode;

    /// <summary>The delay the provider asked for (Retry-After), honoured by the retry strategy.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>Worth another attempt on the same deployment.</summary>
    public bool IsRetryable => Kind is ModelErrorKind.RateLimited or ModelErrorKind.ServerError or ModelErrorKind.Timeout or ModelErrorKind.Connection;

    /// <summary>Worth trying the next deployment of the route.</summary>
    public bool IsFallbackable => Kind is not ModelErrorKind.BadRequest;

    /// <summary>The OpenTelemetry <c>error.type</c> value.</summary>
    public string ErrorType => Kind switch
    {
        ModelErrorKind.RateLimited => "rate_limited",
        ModelErrorKind.ServerError => StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "server_error",
        ModelErrorKind.Timeout => "timeout",
        ModelErrorKind.Connection => "connection_error",
        ModelErrorKind.ContextLengthExceeded => "context_length_exceeded",
        ModelErrorKind.BadRequest => "invalid_request",
        ModelErrorKind.CircuitOpen => "circuit_open",
        ModelErrorKind.ProviderRejected => StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "provider_rejected",
        _ => "error",
    };
}
