using System.Collections.Concurrent;
using Keel.Providers;
using Keel.Routing;
using Microsoft.Extensions.AI;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Keel.Resilience;

/// <summary>
/// Runs a call over a route: each deployment behind a Polly pipeline (retry with backoff and jitter that honours
/// Retry-After, a circuit breaker, a per-attempt timeout), and on a fallback-worthy failure the next deployment.
/// Every attempt is recorded for the trace. The SDK's chat calls and the gateway's wire calls share it.
/// </summary>
public sealed class ResilientModelCaller
{
    private readonly ModelCatalog _catalog;
    private readonly ResilienceOptions _options;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, ResiliencePipeline> _pipelines = new(StringComparer.Ordinal);

    public ResilientModelCaller(ModelCatalog catalog, ResilienceOptions? options = null, TimeProvider? timeProvider = null)
    {
        _catalog = catalog;
        _options = options ?? new ResilienceOptions();
        _time = timeProvider ?? TimeProvider.System;
    }

    public ModelCatalog Catalog => _catalog;

    public ResilienceOptions Options => _options;

    /// <summary>Calls a model alias through an <see cref="IChatClient"/> per deployment.</summary>
    /// <exception cref="UnknownModelException">The alias is not served.</exception>
    /// <exception cref="ModelCallFailedException">No deployment could serve the call.</exception>
    public Task<RouteResult<ChatResponse>> CallAsync(string alias, IReadOnlyList<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        ExecuteAsync(alias, _catalog.Resolve(alias).Deployments, async (deployment, attempt, token) =>
        {
            var request = options?.Clone() ?? new ChatOptions();
            request.ModelId = deployment.Model;
            var response = await deployment.Client.GetResponseAsync(messages, request, token).ConfigureAwait(false);
            attempt.Usage = response.Usage;
            attempt.ResponseModel = response.ModelId;
            return response;
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="call"/> against <paramref name="deployments"/> in order until one succeeds. The call
    /// reports usage on the attempt it is given; it throws <see cref="ModelCallException"/> to say how it failed.
    /// </summary>
    public async Task<RouteResult<T>> ExecuteAsync<T>(
        string alias,
        IReadOnlyList<Deployment> deployments,
        Func<Deployment, ModelAttempt, CancellationToken, ValueTask<T>> call,
        CancellationToken cancellationToken = default)
    {
        var attempts = new List<ModelAttempt>();
        ModelCallException? lastError = null;
        Deployment? tried = null;
        var fallbacks = 0;

        foreach (var deployment in deployments)
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
                var value = await PipelineFor(deployment)
                    .ExecuteAsync(token => AttemptAsync(deployment, attempts, call, cancellationToken, token), cancellationToken)
                    .ConfigureAwait(false);
                return new RouteResult<T>(value, deployment, attempts, fallbacks);
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

        throw new ModelCallFailedException(alias, lastError ?? new ModelCallException(ModelErrorKind.BadRequest, $"No deployment of '{alias}' can take this request."), attempts, fallbacks);
    }

    private async ValueTask<T> AttemptAsync<T>(
        Deployment deployment,
        List<ModelAttempt> attempts,
        Func<Deployment, ModelAttempt, CancellationToken, ValueTask<T>> call,
        CancellationToken callerToken,
        CancellationToken attemptToken)
    {
        var attempt = new ModelAttempt { Deployment = deployment, Number = attempts.Count + 1, StartedAt = _time.GetUtcNow() };
        attempts.Add(attempt);
        try
        {
            var value = await call(deployment, attempt, attemptToken).ConfigureAwait(false);
            attempt.Succeeded = true;
            return value;
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
        catch (Exception ex) when (ProviderErrors.Classify(ex) is { } classified)
        {
            attempt.Error = classified;
            throw classified;
        }
        finally
        {
            attempt.EndedAt = _time.GetUtcNow();
        }
    }

    private ResiliencePipeline PipelineFor(Deployment deployment) =>
        _pipelines.GetOrAdd(deployment.Name, _ => BuildPipeline());

    private ResiliencePipeline BuildPipeline()
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = _time };
        if (_options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<ModelCallException>(ex => ex.IsRetryable && (ex.RetryAfter is null || ex.RetryAfter <= _options.MaxRetryAfter)),
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
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<ModelCallException>(ex => ex.IsRetryable),
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
            })
            .AddTimeout(_options.AttemptTimeout)
            .Build();
    }
}
