namespace Keel.Providers;

/// <summary>What went wrong with a model call, in the terms that decide retry and fallback.</summary>
public enum ModelErrorKind
{
    /// <summary>429: the deployment is busy; retry after the delay it asks for.</summary>
    RateLimited,

    /// <summary>5xx: a transient fault on the provider's side.</summary>
    ServerError,

    /// <summary>The attempt took longer than its deadline.</summary>
    Timeout,

    /// <summary>The connection failed or was cut.</summary>
    Connection,

    /// <summary>The prompt does not fit this deployment's context window; a larger one may take it.</summary>
    ContextLengthExceeded,

    /// <summary>A 400-class error that any deployment would repeat: never retried, never fallen back on.</summary>
    BadRequest,

    /// <summary>The deployment's circuit breaker is open after repeated failures.</summary>
    CircuitOpen,

    /// <summary>
    /// The provider refused Keel itself (401, 403, 404: a bad provider key or a model it does not serve). Trying
    /// again changes nothing, but another deployment may well answer.
    /// </summary>
    ProviderRejected,
}
