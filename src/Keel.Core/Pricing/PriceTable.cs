using System.Collections.Frozen;
using System.Text.Json;

namespace Keel.Pricing;

/// <summary>
/// Per-model prices. The defaults ship inside Keel; a user's file of the same shape overrides or extends them.
/// </summary>
public sealed class PriceTable
{
    private readonly FrozenDictionary<string, ModelPrice> _prices;

    public PriceTable(IReadOnlyDictionary<string, ModelPrice> prices)
    {
        _prices = prices.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    public IEnumerable<string> Models => _prices.Keys;

    /// <summary>The table shipped with Keel.</summary>
    public static PriceTable Default { get; } = LoadDefault();

    /// <summary>
    /// Finds the price of a model by exact name, else by its longest listed prefix followed by '-', so that a
    /// dated name a provider reports (gpt-4o-2024-08-06) finds its family's price.
    /// </summary>
    public bool TryGet(string model, out ModelPrice price)
    {
        if (_prices.TryGetValue(model, out price!))
        {
            return true;
        }

        for (var cut = model.LastIndexOf('-'); cut > 0; cut = model.LastIndexOf('-', cut - 1))
        {
            if (_prices.TryGetValue(model[..cut], out price!))
            {
                return true;
            }
        }

        return false;
    }

    /// <exception cref="UnknownPriceException">The model has no price.</exception>
    public ModelPrice Get(string model) => TryGet(model, out var price) ? price : throw new UnknownPriceException(model);

    public decimal Cost(string model, long inputTokens, long cachedInputTokens, long outputTokens) =>
        Get(model).Cost(inputTokens, cachedInputTokens, outputTokens);

    /// <summary>Returns a table with <paramref name="overrides"/> replacing or adding entries.</summary>
    public PriceTable With(PriceTable overrides)
    {
        var merged = _prices.ToDictionary(StringComparer.OrdinalIgnoreCase);
        foreach (var (model, price) in overrides._prices)
        {
            merged[model] = price;
        }

        return new PriceTable(merged);
    }

    /// <exception cref="FormatException">The file is not a price table; the message names the bad entry.</exception>
    public static PriceTable Load(Stream json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Price table {source} is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            if (!document.RootElement.TryGetProperty("models", out var models) || models.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"Price table {source} needs an object \"models\" mapping model names to prices.");
            }

            var prices = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);
            foreach (var entry in models.EnumerateObject())
            {
                var input = ReadPrice(entry, "input", source, required: true);
                var output = ReadPrice(entry, "output", source, required: true);
                var cached = ReadPrice(entry, "cached_input", source, required: false) ?? input;
                prices[entry.Name] = new ModelPrice(input!.Value, cached!.Value, output!.Value);
            }

            return new PriceTable(prices);
        }
    }

    public static PriceTable LoadFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Load(stream, path);
    }

    private static PriceTable LoadDefault()
    {
        using var stream = typeof(PriceTable).Assembly.GetManifestResourceStream("Keel.prices.json")
            ?? throw new InvalidOperationException("The built-in price table is missing from Keel.Core.");
        return Load(stream, "(built-in)");
    }

    private static decimal? ReadPrice(JsonProperty model, string field, string source, bool required)
    {
        if (!model.Value.TryGetProperty(field, out var value))
        {
            return required
                ? throw new FormatException($"Price table {source}: models.{model.Name}.{field} is missing.")
                : null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var price) || price < 0)
        {
            throw new FormatException($"Price table {source}: models.{model.Name}.{field} must be a non-negative number.");
        }

        return price;
    }
}
