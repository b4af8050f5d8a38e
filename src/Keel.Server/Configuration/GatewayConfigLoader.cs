using System.Text.Json;

namespace Keel.Server.Configuration;

/// <summary>Reads and validates a gateway configuration file, JSON or YAML by its extension.</summary>
public static class GatewayConfigLoader
{
    /// <exception cref="GatewayConfigException">The file is missing, unreadable, or names something it shouldn't.</exception>
    public static GatewayConfig Load(string path, Keel.Pricing.PriceTable? prices = null)
    {
        if (!File.Exists(path))
        {
            throw new GatewayConfigException($"Config file {path} does not exist.");
        }

        var text = File.ReadAllText(path);
        var isYaml = path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);
        return Parse(text, path, isYaml, prices);
    }

    public static GatewayConfig Parse(string text, string source, bool isYaml, Keel.Pricing.PriceTable? prices = null)
    {
        GatewayConfig? config;
        try
        {
            config = isYaml
                ? YamlToJson.Convert(text)?.Deserialize(GatewayConfigJson.Default.GatewayConfig)
                : JsonSerializer.Deserialize(text, GatewayConfigJson.Default.GatewayConfig);
        }
        catch (JsonException ex)
        {
            var where = ex.Path is { Length: > 1 } jsonPath ? $" at {jsonPath.TrimStart('$', '.')}" : "";
            throw new GatewayConfigException($"{source}{where}: {Explain(ex)}", ex);
        }
        catch (YamlDotNet.Core.YamlException ex)
        {
            throw new GatewayConfigException($"{source}: not valid YAML (line {ex.Start.Line}): {ex.Message}", ex);
        }

        config ??= new GatewayConfig();
        GatewayConfigValidator.Validate(config, source, prices);
        return config;
    }

    private static string Explain(JsonException ex) =>
        ex.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "unknown field (check its spelling against docs/gateway.md)."
        : ex.Message.Contains("could not be converted", StringComparison.Ordinal) ? "wrong type of value."
        : ex.Message.Contains("doesn't allow setting null values", StringComparison.Ordinal) ? "is empty; it needs a value."
        : ex.Message;
}
