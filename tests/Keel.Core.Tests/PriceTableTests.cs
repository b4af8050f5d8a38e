using System.Text;
using Keel.Pricing;

using Xunit;

namespace Keel.Core.Tests;

public sealed class PriceTableTests
{
    private static PriceTable Parse(string json) => PriceTable.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)), "test.json");

    [Fact]
    public void Cost_charges_uncached_input_cached_input_and_output_at_their_rates()
    {
        var price = new ModelPrice(InputPerMillion: 2.50m, CachedInputPerMillion: 1.25m, OutputPerMillion: 10m);

        // 1,000 input of which 400 cached, 200 output: 600*2.5 + 400*1.25 + 200*10 = 1500 + 500 + 2000 per million.
        Assert.Equal(0.004m, price.Cost(inputTokens: 1_000, cachedInputTokens: 400, outputTokens: 200));
    }

    [Fact]
    public void The_built_in_table_prices_the_simulated_and_common_hosted_models()
    {
        foreach (var model in new[] { "sim-fast", "sim-large", "gpt-4o", "gpt-4o-mini", "claude-sonnet-4" })
        {
            Assert.True(PriceTable.Default.TryGet(model, out var price), model);
            Assert.True(price.OutputPerMillion > 0);
        }
    }

    [Fact]
    public void A_dated_model_name_finds_its_family_price()
    {
        Assert.Equal(PriceTable.Default.Get("gpt-4o"), PriceTable.Default.Get("gpt-4o-2024-08-06"));
        Assert.Equal(PriceTable.Default.Get("gpt-4o-mini"), PriceTable.Default.Get("gpt-4o-mini-2024-07-18"));
    }

    [Fact]
    public void An_unknown_model_is_an_error_not_free()
    {
        var error = Assert.Throws<UnknownPriceException>(() => PriceTable.Default.Cost("mystery-model", 100, 0, 100));

        Assert.Equal("mystery-model", error.Model);
        Assert.Contains("--prices", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overrides_replace_and_extend_the_defaults()
    {
        var overrides = Parse("""{ "models": { "gpt-4o": { "input": 1, "output": 2 }, "house-model": { "input": 0.5, "output": 1.5 } } }""");

        var merged = PriceTable.Default.With(overrides);

        Assert.Equal(new ModelPrice(1, 1, 2), merged.Get("gpt-4o")); // cached defaults to the input rate
        Assert.Equal(1.5m, merged.Get("house-model").OutputPerMillion);
        Assert.Equal(PriceTable.Default.Get("sim-fast"), merged.Get("sim-fast"));
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{ "prices": {} }""", "\"models\"")]
    [InlineData("""{ "models": { "m": { "input": 1 } } }""", "models.m.output is missing")]
    [InlineData("""{ "models": { "m": { "input": -1, "output": 1 } } }""", "models.m.input must be a non-negative number")]
    [InlineData("""{ "models": { "m": { "input": "cheap", "output": 1 } } }""", "models.m.input")]
    public void A_malformed_table_names_the_bad_field(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Parse(json));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("test.json", error.Message, StringComparison.Ordinal);
    }
}
