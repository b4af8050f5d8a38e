using System.Runtime.CompilerServices;
using Keel.Pricing;

namespace Keel.Server.Configuration;

/// <summary>Checks what the schema cannot: references between sections, ranges, and that every model has a price.</summary>
internal static class GatewayConfigValidator
{
    private static readonly string[] ProviderTypes = ["openai", "anthropic", "simulated"];
    private static readonly string[] Policies = ["ordered", "weighted", "least_latency", "cheapest"];

    public static void Validate(GatewayConfig config, string source, PriceTable? prices = null)
    {
        prices ??= PriceTable.Default;
        void Fail(string field, string problem) => throw new GatewayConfigException($"{source}: {field}: {problem}");

        // Entries with nothing under them (YAML `main:`) read as null; nullable annotations do not reach dictionary values.
        foreach (var (section, names) in new[]
        {
            ("providers", config.Providers.Where(p => p.Value is null).Select(p => p.Key)),
            ("deployments", config.Deployments.Where(d => d.Value is null).Select(d => d.Key)),
            ("models", config.Models.Where(m => m.Value is null).Select(m => m.Key)),
        })
        {
            foreach (var name in names)
            {
                Fail($"{section}.{name}", "is empty; it needs its fields.");
            }
        }

        if (config.Server.MaxBodyBytes < 1024)
        {
            Fail("server.max_body_bytes", "must be at least 1024.");
        }

        foreach (var (name, provider) in config.Providers)
        {
            if (!ProviderTypes.Contains(provider.Type))
            {
                Fail($"providers.{name}.type", $"'{provider.Type}' is not one of {string.Join(", ", ProviderTypes)}.");
            }

            if (provider.Type != "simulated")
            {
                if (!Uri.TryCreate(provider.BaseUrl, UriKind.Absolute, out var url) || (url.Scheme != "http" && url.Scheme != "https"))
                {
                    Fail($"providers.{name}.base_url", "must be an http(s) URL.");
                }

                if (provider.ApiKeyEnv is { } variable && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)))
                {
                    Fail($"providers.{name}.api_key_env", $"the environment variable {variable} is not set.");
                }

                if (provider.Type == "anthropic" && !RuntimeFeature.IsDynamicCodeSupported)
                {
                    Fail($"providers.{name}.type", NativeBuild.AnthropicUnavailable);
                }

                if (provider.Type == "anthropic" && provider.ApiKeyEnv is null)
                {
                    Fail($"providers.{name}.api_key_env", "Anthropic needs a key: name the environment variable that holds it.");
                }
            }

            var faults = provider.Faults;
            foreach (var (field, rate) in new[] { ("rate_limited", faults.RateLimited), ("server_error", faults.ServerError), ("unavailable", faults.Unavailable), ("timeout", faults.Timeout), ("stream_cut", faults.StreamCut) })
            {
                if (rate is < 0 or > 1)
                {
                    Fail($"providers.{name}.faults.{field}", "must be between 0 and 1.");
                }
            }
        }

        foreach (var (name, deployment) in config.Deployments)
        {
            if (!config.Providers.ContainsKey(deployment.Provider))
            {
                Fail($"deployments.{name}.provider", $"unknown provider '{deployment.Provider}'.");
            }

            if (string.IsNullOrWhiteSpace(deployment.Model))
            {
                Fail($"deployments.{name}.model", "is required.");
            }
            else if (!prices.TryGet(deployment.Model, out _))
            {
                Fail($"deployments.{name}.model", $"no price is known for '{deployment.Model}'; add it to the price table (--prices FILE).");
            }

            if (deployment.ContextWindow < 1 || deployment.MaxOutputTokens < 1)
            {
                Fail($"deployments.{name}", "context_window and max_output_tokens must be positive.");
            }

            if (deployment.Weight < 0)
            {
                Fail($"deployments.{name}.weight", "must not be negative.");
            }
        }

        if (config.Models.Count == 0)
        {
            Fail("models", "at least one model alias is required.");
        }

        foreach (var (alias, model) in config.Models)
        {
            if (!Policies.Contains(model.Policy))
            {
                Fail($"models.{alias}.policy", $"'{model.Policy}' is not one of {string.Join(", ", Policies)}.");
            }

            if (model.DegradeAt is < 0 or > 1)
            {
                Fail($"models.{alias}.degrade_at", "must be between 0 and 1.");
            }

            if (model.Deployments.Count == 0)
            {
                Fail($"models.{alias}.deployments", "needs at least one deployment.");
            }

            for (var i = 0; i < model.Deployments.Count; i++)
            {
                if (!config.Deployments.ContainsKey(model.Deployments[i]))
                {
                    Fail($"models.{alias}.deployments[{i}]", $"unknown deployment '{model.Deployments[i]}'.");
                }
            }
        }

        if (config.Retry.MaxRetries is < 0 or > 10)
        {
            Fail("retry.max_retries", "must be between 0 and 10.");
        }

        if (config.CircuitBreaker.FailureRatio is <= 0 or > 1)
        {
            Fail("circuit_breaker.failure_ratio", "must be in (0, 1].");
        }

        if (config.CircuitBreaker.MinimumThroughput < 2)
        {
            Fail("circuit_breaker.minimum_throughput", "must be at least 2.");
        }

        // The ranges Polly accepts; checked here so a bad value stops start-up instead of failing every request.
        const double Day = 86_400_000;
        if (config.Retry.AttemptTimeoutMs is < 10 or > Day)
        {
            Fail("retry.attempt_timeout_ms", "must be between 10 ms and one day.");
        }

        if (config.Retry.BaseDelayMs is < 0 or > Day)
        {
            Fail("retry.base_delay_ms", "must be between 0 and one day.");
        }

        if (config.Retry.MaxRetryAfterMs is < 0 or > Day)
        {
            Fail("retry.max_retry_after_ms", "must be between 0 and one day.");
        }

        if (config.CircuitBreaker.BreakMs is < 500 or > Day)
        {
            Fail("circuit_breaker.break_ms", "must be between 500 ms and one day.");
        }

        if (config.CircuitBreaker.SamplingMs is < 500 or > Day)
        {
            Fail("circuit_breaker.sampling_ms", "must be between 500 ms and one day.");
        }
    }
}
