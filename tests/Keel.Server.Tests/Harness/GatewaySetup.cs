using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Keel.MockUpstream;

namespace Keel.Server.Tests.Harness;

/// <summary>
/// Builds a gateway config whose providers point at the mock upstream, one provider per deployment so each
/// deployment can have its own scenario (<c>/s/{spec}/v1</c>). Emits JSON or block YAML from the same tree.
/// </summary>
internal sealed class GatewaySetup(MockUpstreamServer mock)
{
    private readonly JsonObject _providers = [];
    private readonly JsonObject _deployments = [];
    private readonly JsonObject _models = [];
    private readonly JsonObject _root = new()
    {
        // Fast retries by default; tests that time things set their own.
        ["retry"] = new JsonObject { ["max_retries"] = 2, ["base_delay_ms"] = 1, ["attempt_timeout_ms"] = 10_000 },
    };

    /// <summary>The base URL of a scenario on the mock, as an OpenAI-compatible provider's base_url.</summary>
    public string OpenAiBase(string spec) => (spec.Length == 0 ? mock.BaseAddress : mock.ScenarioAddress(spec)) + "v1";

    /// <summary>An OpenAI-compatible deployment served by the mock under <paramref name="spec"/>.</summary>
    public GatewaySetup OpenAi(string name, string spec = "", string model = "gpt-4o-mini", int? contextWindow = null, bool? supportsTools = null, double? weight = null, string? keyEnv = UpstreamKey.Variable)
    {
        var provider = new JsonObject { ["type"] = "openai", ["base_url"] = OpenAiBase(spec) };
        if (keyEnv is not null)
        {
            provider["api_key_env"] = keyEnv;
        }

        _providers[name] = provider;
        var deployment = new JsonObject { ["provider"] = name, ["model"] = model };
        if (contextWindow is { } window)
        {
            deployment["context_window"] = window;
        }

        if (supportsTools is { } tools)
        {
            deployment["supports_tools"] = tools;
        }

        if (weight is { } w)
        {
            deployment["weight"] = w;
        }

        _deployments[name] = deployment;
        return this;
    }

    /// <summary>An Anthropic deployment: the SDK appends <c>/v1/messages</c> to the base URL.</summary>
    public GatewaySetup Anthropic(string name, string spec = "", string model = "claude-sonnet-4")
    {
        var url = mock.BaseAddress.ToString().TrimEnd('/') + (spec.Length == 0 ? "" : "/s/" + spec);
        _providers[name] = new JsonObject { ["type"] = "anthropic", ["base_url"] = url, ["api_key_env"] = UpstreamKey.Variable };
        _deployments[name] = new JsonObject { ["provider"] = name, ["model"] = model };
        return this;
    }

    /// <summary>An alias with the ordered policy: the first deployment is primary, the rest fallbacks in order.</summary>
    public GatewaySetup Alias(string alias, params string[] deployments) => Routed(alias, "ordered", deployments);

    public GatewaySetup Routed(string alias, string policy, params string[] deployments)
    {
        _models[alias] = new JsonObject { ["policy"] = policy, ["deployments"] = new JsonArray([.. deployments.Select(d => JsonValue.Create(d))]) };
        return this;
    }

    /// <summary>Cost-aware routing: the alias goes cheapest-first once a caller's budget is this full.</summary>
    public GatewaySetup DegradeAt(string alias, double share)
    {
        _models[alias]!["degrade_at"] = share;
        return this;
    }

    public GatewaySetup Retry(int maxRetries = 2, double baseDelayMs = 1, double attemptTimeoutMs = 10_000, double? maxRetryAfterMs = null)
    {
        var retry = new JsonObject { ["max_retries"] = maxRetries, ["base_delay_ms"] = baseDelayMs, ["attempt_timeout_ms"] = attemptTimeoutMs };
        if (maxRetryAfterMs is { } max)
        {
            retry["max_retry_after_ms"] = max;
        }

        _root["retry"] = retry;
        return this;
    }

    public GatewaySetup Breaker(int minimumThroughput, double failureRatio = 0.5, double breakMs = 60_000)
    {
        _root["circuit_breaker"] = new JsonObject { ["minimum_throughput"] = minimumThroughput, ["failure_ratio"] = failureRatio, ["break_ms"] = breakMs };
        return this;
    }

    public GatewaySetup MaxBodyBytes(long bytes)
    {
        _root["server"] = new JsonObject { ["max_body_bytes"] = bytes };
        return this;
    }

    public JsonObject ToTree()
    {
        var tree = (JsonObject)_root.DeepClone();
        tree["providers"] = _providers.DeepClone();
        tree["deployments"] = _deployments.DeepClone();
        tree["models"] = _models.DeepClone();
        return tree;
    }

    public string ToJson() => ToTree().ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    public string ToYaml() => Yaml(ToTree());

    /// <summary>Block YAML for a tree of objects, arrays of scalars and scalars; strings double-quoted.</summary>
    public static string Yaml(JsonObject tree)
    {
        var text = new StringBuilder();
        WriteMapping(text, tree, 0);
        return text.ToString();
    }

    private static void WriteMapping(StringBuilder text, JsonObject map, int indent)
    {
        foreach (var (key, value) in map)
        {
            text.Append(' ', indent).Append(key).Append(':');
            if (value is JsonObject child)
            {
                text.Append('\n');
                WriteMapping(text, child, indent + 2);
            }
            else
            {
                text.Append(' ').Append(Scalar(value)).Append('\n');
            }
        }
    }

    private static string Scalar(JsonNode? value) => value switch
    {
        null => "null",
        JsonArray list => "[" + string.Join(", ", list.Select(Scalar)) + "]",
        JsonValue v when v.TryGetValue<string>(out var s) => JsonSerializer.Serialize(s),
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "true" : "false",
        _ => Convert.ToString(value.ToJsonString(), CultureInfo.InvariantCulture),
    };
}
