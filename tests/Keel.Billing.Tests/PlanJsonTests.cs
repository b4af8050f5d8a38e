using System.Text.Json;
using Keel.Billing.Plans;
using Xunit;

namespace Keel.Billing.Tests;

public sealed class PlanJsonTests
{
    private static readonly Plan Everything = new("agents", 3, "Agents", "EUR",
    [
        new PriceComponent("base", "Platform", "", new Flat(49m)),
        new PriceComponent("started", "Tasks", BillableMetrics.TaskStarted, new PerUnit(0.01m)) { IncludedQuantity = 1000m },
        new PriceComponent("success", "Outcomes", BillableMetrics.OutcomeSuccess, new Graduated([new(100m, 1m, 5m), new(null, 0.5m)])),
        new PriceComponent("volume", "Volume", "custom.pages", new Volume([new(10m, 2m), new(null, 1m, 3m)])) { Aggregation = MetricAggregation.SumOfQuantity },
        new PriceComponent("pack", "Packs", "custom.calls", new Package(100m, 4m)),
        new PriceComponent("share", "Share", BillableMetrics.OutcomeValue, new PercentageOfValue(2.5m)),
        new PriceComponent("cost", "Model cost", BillableMetrics.ModelCost, new CostPassThrough(15m)),
    ])
    { MinimumCommitment = 100m, MaximumCharge = 10_000m };

    [Fact]
    public void A_plan_round_trips_through_snake_case_json_with_a_type_discriminator()
    {
        var json = PlanJson.Serialize(Everything);

        Assert.Equal(Everything, PlanJson.Deserialize(json));
        Assert.Contains("\"type\":\"graduated\"", json, StringComparison.Ordinal);
        Assert.Contains("\"type\":\"cost_pass_through\"", json, StringComparison.Ordinal);
        Assert.Contains("\"minimum_commitment\":100", json, StringComparison.Ordinal);
        Assert.Contains("\"included_quantity\":1000", json, StringComparison.Ordinal);
        Assert.Contains("\"up_to\":100", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_a_plan_validates_it()
    {
        const string noOpenTier = """
            {"id":"p","version":1,"name":"P","currency":"USD","components":[
              {"id":"c","description":"C","metric":"task.started","model":{"type":"graduated","tiers":[{"up_to":10,"unit_price":1}]}}]}
            """;

        var error = Assert.Throws<ArgumentException>(() => PlanJson.Deserialize(noOpenTier));

        Assert.Contains("last tier must be unbounded", error.Message, StringComparison.Ordinal);
        Assert.Throws<JsonException>(() => PlanJson.Deserialize("""{"id":"p","version":1,"name":"P","currency":"USD","components":[{"id":"c","description":"C","metric":"m","model":{"type":"bogus"}}]}"""));
    }
    [Fact]
    public void The_documented_example_plan_reads_and_rates()
    {
        // docs/billing.md, "Plans". April, 1,150 successes and model cost 10.00:
        // base 49.00; outcomes (1,150 − 100 included) = 1,050: 1,000 × 0.90 + 50 × 0.60 = 930.00; llm 10.00 × 1.20 = 12.00
        // lines 991.00 ≥ minimum 200 → total 991.00
        const string json = """
            {"id":"growth","version":2,"name":"Growth","currency":"USD","minimum_commitment":200,"components":[
              {"id":"base","description":"Platform fee","metric":"","model":{"type":"flat","amount":49}},
              {"id":"outcomes","description":"Resolved tickets","metric":"outcome.success","included_quantity":100,
               "model":{"type":"graduated","tiers":[{"up_to":1000,"unit_price":0.9},{"up_to":null,"unit_price":0.6}]}},
              {"id":"llm","description":"Model cost","metric":"model.cost","model":{"type":"cost_pass_through","markup_percent":20}}]}
            """;
        var plan = PlanJson.Deserialize(json);
        var events = Billing.Units(BillableMetrics.OutcomeSuccess, 1150).Concat(Billing.Values(BillableMetrics.ModelCost, 4m, 6m));

        var invoice = Billing.RateApril(plan, events);

        Assert.Equal([49.00m, 930.00m, 12.00m], invoice.Lines.Select(l => l.Amount));
        Assert.Equal(991.00m, invoice.Total);
        Assert.Contains("\"aggregation\":\"sum_of_value\"", PlanJson.Serialize(plan with
        {
            Components = [plan.Components[0] with { Aggregation = MetricAggregation.SumOfValue }],
        }), StringComparison.Ordinal);
    }
}
