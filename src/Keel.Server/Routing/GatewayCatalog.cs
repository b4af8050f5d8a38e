using System.ClientModel;
using System.Runtime.CompilerServices;
using Anthropic;
using Keel.Pricing;
using Keel.Providers.Simulated;
using Keel.Resilience;
using Keel.Routing;
using Keel.Samples.Demo;
using Keel.Server.Configuration;
using Keel.Server.Upstreams;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Keel.Server.Routing;

/// <summary>The aliases the gateway serves, built from a config file or, with none, from the demo's simulated models.</summary>
public sealed class GatewayCatalog
{
    private readonly Dictionary<string, GatewayRoute> _routes;

    private GatewayCatalog(IEnumerable<GatewayRoute> routes, ResilienceOptions resilience, long maxBodyBytes)
    {
        _routes = routes.ToDictionary(r => r.Alias, StringComparer.Ordinal);
        Resilience = resilience;
        MaxBodyBytes = maxBodyBytes;
        Models = new ModelCatalog(_routes.Values.Select(r => new ModelRoute(r.Alias, [.. r.Deployments.Select(d => d.Deployment)])));
    }

    public IReadOnlyCollection<GatewayRoute> Routes => _routes.Values;

    /// <summary>The same aliases as the runtime's catalog, for the SDK path and pricing checks.</summary>
    public ModelCatalog Models { get; }

    public ResilienceOptions Resilience { get; }

    public long MaxBodyBytes { get; }

    public bool TryGet(string alias, out GatewayRoute route) => _routes.TryGetValue(alias, out route!);

    /// <summary>With no config: the simulated models `keel demo` uses, with its faults.</summary>
    public static GatewayCatalog Simulated(PriceTable prices, TimeProvider time, int seed = 42)
    {
        var upstream = new ChatClientUpstream(time);
        var routes = DemoDeployments.Catalog(seed, time: time).Routes.Select(route => new GatewayRoute(
            route.Alias,
            RoutingPolicy.Ordered,
            [.. route.Deployments.Select(d => new GatewayDeployment(d, upstream, prices.Get(d.Model), 1, SupportsTools: true))]));
        return new GatewayCatalog(routes, DemoDeployments.Resilience, new ServerSection().MaxBodyBytes);
    }

    public static GatewayCatalog FromConfig(GatewayConfig config, PriceTable prices, HttpClient http, TimeProvider time)
    {
        var chatClientUpstream = new ChatClientUpstream(time);
        var deployments = new Dictionary<string, GatewayDeployment>(StringComparer.Ordinal);
        foreach (var (name, d) in config.Deployments)
        {
            var provider = config.Providers[d.Provider];
            var key = provider.ApiKeyEnv is { } variable ? Environment.GetEnvironmentVariable(variable) : null;
            var (client, upstream) = provider.Type switch
            {
                "openai" => (OpenAiClient(provider, key, d.Model), new OpenAiUpstream(http, new Uri(provider.BaseUrl!), key, time)),
                // In the native build IsDynamicCodeSupported is a false constant: the trimmer drops the Anthropic SDK.
                "anthropic" => RuntimeFeature.IsDynamicCodeSupported
                    ? (AnthropicClient(provider, key!, d), (IUpstream)chatClientUpstream)
                    : throw new GatewayConfigException(NativeBuild.AnthropicUnavailable),
                _ => (SimulatedClient(provider, d, time), chatClientUpstream),
            };
            var deployment = new Deployment
            {
                Name = name,
                Model = d.Model,
                Provider = provider.Type,
                Client = client,
                ContextWindow = d.ContextWindow,
                MaxOutputTokens = d.MaxOutputTokens,
            };
            deployments[name] = new GatewayDeployment(deployment, upstream, prices.Get(d.Model), d.Weight, d.SupportsTools);
        }

        var routes = config.Models.Select(pair => new GatewayRoute(
            pair.Key,
            pair.Value.Policy switch
            {
                "weighted" => RoutingPolicy.Weighted,
                "least_latency" => RoutingPolicy.LeastLatency,
                "cheapest" => RoutingPolicy.Cheapest,
                _ => RoutingPolicy.Ordered,
            },
            [.. pair.Value.Deployments.Select(name => deployments[name])],
            pair.Value.DegradeAt));

        var retry = config.Retry;
        var breaker = config.CircuitBreaker;
        var resilience = new ResilienceOptions
        {
            MaxRetries = retry.MaxRetries,
            BaseDelay = TimeSpan.FromMilliseconds(retry.BaseDelayMs),
            MaxRetryAfter = TimeSpan.FromMilliseconds(retry.MaxRetryAfterMs),
            AttemptTimeout = TimeSpan.FromMilliseconds(retry.AttemptTimeoutMs),
            CircuitBreaker = new CircuitBreakerOptions
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = TimeSpan.FromMilliseconds(breaker.SamplingMs),
                BreakDuration = TimeSpan.FromMilliseconds(breaker.BreakMs),
            },
        };
        return new GatewayCatalog(routes, resilience, config.Server.MaxBodyBytes);
    }

    // The SDK path (UseKeel) calls OpenAI-compatible deployments through the official OpenAI .NET SDK.
    private static IChatClient OpenAiClient(ProviderConfig provider, string? key, string model) =>
        new OpenAIClient(new ApiKeyCredential(key ?? "unused"), new OpenAIClientOptions { Endpoint = new Uri(provider.BaseUrl!), NetworkTimeout = Timeout.InfiniteTimeSpan })
            .GetChatClient(model)
            .AsIChatClient();

    // Keel retries and falls back itself, so the SDK's own retries are off.
    private static IChatClient AnthropicClient(ProviderConfig provider, string key, DeploymentConfig deployment) =>
        new AnthropicClient { ApiKey = key, BaseUrl = provider.BaseUrl!, MaxRetries = 0 }
            .AsIChatClient(deployment.Model, deployment.MaxOutputTokens);

    private static SimulatedChatClient SimulatedClient(ProviderConfig provider, DeploymentConfig deployment, TimeProvider time) => new(
        new SimulatedModelOptions
        {
            Model = deployment.Model,
            ContextWindow = deployment.ContextWindow,
            MaxOutputTokens = deployment.MaxOutputTokens,
            Seed = provider.Seed,
            Latency = new LatencyModel { MedianMs = provider.LatencyMs },
            Faults = new FaultRates
            {
                RateLimited = provider.Faults.RateLimited,
                ServerError = provider.Faults.ServerError,
                Unavailable = provider.Faults.Unavailable,
                Timeout = provider.Faults.Timeout,
                StreamCut = provider.Faults.StreamCut,
                RetryAfter = TimeSpan.FromMilliseconds(provider.Faults.RetryAfterMs),
            },
        },
        DemoDeployments.Scripts,
        time);
}
