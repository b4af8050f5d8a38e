using Keel.Resilience;
using Keel.Routing;
using Keel.Server.Wire;

namespace Keel.Server.Upstreams;

/// <summary>
/// How the gateway reaches one kind of provider. An upstream reports usage on the attempt it is handed and throws
/// <see cref="Providers.ModelCallException"/> to say how a call failed, so retries and fallbacks work the same for
/// every kind.
/// </summary>
public interface IUpstream
{
    Task<UpstreamCompletion> CompleteAsync(ChatCompletionRequest request, Deployment deployment, ModelAttempt attempt, CancellationToken cancellationToken);

    /// <summary>
    /// Opens a stream and reads its first event, so that a failure before the first byte can still be retried
    /// or fallen back on. <paramref name="attemptToken"/> bounds the opening; <paramref name="streamToken"/> the
    /// stream's whole life.
    /// </summary>
    Task<UpstreamStream> OpenStreamAsync(ChatCompletionRequest request, Deployment deployment, ModelAttempt attempt, CancellationToken attemptToken, CancellationToken streamToken);
}

/// <summary>A whole answer: the bytes for the client, and what the journal keeps of it.</summary>
/// <param name="ResultMessage">The assistant message as OpenAI-shaped JSON, the step's recorded result.</param>
public sealed record UpstreamCompletion(byte[] Body, string? ResponseId, string? FinishReason, string ResultMessage);
