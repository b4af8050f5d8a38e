using System.Collections.Concurrent;
using Keel.Providers;
using Keel.Routing;
using Microsoft.Extensions.AI;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Keel.Resilience;

/// <summary>
/// Calls a model alias through its route: each deployment behind a Polly pipeline (retry with backoff and
/// jitter that honours Retry-After, a circuit breaker, a per-attempt timeout), and on a fallback-worthy failure
/// the next deployment. Every attempt is recorded for the trace.
/// </summary>
public sealed class ResilientModelCaller
{
    private readonly ModelCatalog _catalog;
    private readonly ResilienceOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ResiliencePipeline<ChatResponse>> _pipelines = new(StringComparer.Ordinal);

    public ResilientModelCaller(ModelCatalog catalog, ResilienceOptions? options = null, TimeProvider? timeProvider = null)
    {
        _catalog = catalog;
        _options = options ?? new ResilienceOptions();
        _time = timeProvider ?? TimeProvider.System;
    }

    public ModelCatalog Catalog => _catalog;

    /// <exception cref="UnknownModelException">The alias is not served.</exception>
    /// <exception cref="ModelCallFailedException">No deployment could serve the call.</exception>
    public async Task<ModelCallResult> CallAsync(string alias, IReadOnlyList<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var route = _catalog.Resolve(alias);
        var attempts = new List<ModelAttempt>();
        ModelCallException? lastError = null;
        Deployment? tried = null;
        var fallbacks = 0;

        foreach (var deployment in route.Deployments)
        {
            // After a context-length failure only a larger window can help.
            if (lastError?.Kind == ModelErrorKind.ContextLengthExceeded && deployment.ContextWindow <= tried!.ContextWindow)
            {
                continue;
            }

            if (tried is not null)
            {
                fallbacks++;
            }

            tried = deployment;
            try
            {
                var response = await PipelineFor(deployment)
                    .ExecuteAsync(token => AttemptAsync(deployment, attempts, messages, options, cancellationToken, token), cancellationToken)
                    .ConfigureAwait(false);
                return new ModelCallResult(response, deployment, attempts, fallbacks);
            }
            catch (ModelCallException ex) when (ex.IsFallbackable)
            {
                lastError = ex;
            }
            catch (BrokenCircuitException ex)
            {
                lastError = new ModelCallException(ModelErrorKind.CircuitOpen, $"Deployment '{deployment.Name}' is out of rotation: its circuit breaker is open.", inner: ex);
                attempts.Add(new ModelAttempt { Deployment = deployment, Number = attempts.Count + 1, StartedAt = _time.GetUtcNow(), EndedAt = _time.GetUtcNow(), Error = lastError });
            }
            catch (ModelCallException ex)
            {
                throw new ModelCallFailedException(alias, ex, attempts, fallbacks);
            }
        }

        throw new ModelCallFailedException(alias, lastError ?? new ModelCallException(ModelErrorKind.BadRequest, "The route has no deployment."), attempts, fallbacks);
    }

    private async ValueTask<ChatResponse> AttemptAsync(
        Deployment deployment,
        List<ModelAttempt> attempts,
        IReadOnlyList<ChatMessage> messages,
        ChatOptions? options,
        CancellationToken callerToken,
        CancellationToken attemptToken)
    {
        var attempt = new ModelAttempt { Deployment = deployment, Number = attempts.Count + 1, StartedAt = _time.GetUtcNow() };
        attempts.Add(attempt);
        try
        {
            var request = options?.Clone() ?? new ChatOptions();
            request.ModelId = deployment.Model;
            attempt.Response = await deployment.Client.GetResponseAsync(messages, request, attemptToken).ConfigureAwait(false);
            return attempt.Response;
        }
        catch (OperationCanceledException ex) when (!callerToken.IsCancellationRequested)
        {
            attempt.Error = new ModelCallException(ModelErrorKind.Timeout, $"No answer from '{deployment.Name}' within {_options.AttemptTimeout.TotalSeconds:0.###} s.", 408, inner: ex);
            throw attempt.Error;
        }
        catch (ModelCallException ex)
        {
            attempt.Error = ex;
            throw;
        }
        catch (HttpRequestException ex)
        {
            attempt.Error = new ModelCallException(ModelErrorKind.Connection, ex.Message, inner: ex);
            throw attempt.Error;
        }
        finally
        {
            attempt.EndedAt = _time.GetUtcNow();
        }
    }

    private ResiliencePipeline<ChatResponse> PipelineFor(Deployment deployment) =>
        _pipelines.GetOrAdd(deployment.Name, _ => BuildPipeline());

    private ResiliencePipeline<ChatResponse> BuildPipeline()
    {
        var transient = new PredicateBuilder<ChatResponse>()
            .Handle<ModelCallException>(ex => ex.IsRetryable && (ex.RetryAfter is null || ex.RetryAfter <= _options.MaxRetryAfter));
        var builder = new ResiliencePipelineBuilder<ChatResponse> { TimeProvider = _time };
        if (_options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<ChatResponse>
            {
                ShouldHandle = transient,
                MaxRetryAttempts = _options.MaxRetries,
                Delay = _options.BaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                DelayGenerator = static args => new ValueTask<TimeSpan?>(
                    args.Outcome.Exception is ModelCallException { RetryAfter: { } retryAfter } ? retryAfter : null),
            });
        }

        var breaker = _options.CircuitBreaker;
        return builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<ChatResponse>
            {
                ShouldHandle = new PredicateBuilder<ChatResponse>().Handle<ModelCallException>(ex => ex.IsRetryable),
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
            })
            .AddTimeout(_options.AttemptTimeout)
            .Build();
    }
}
