using Keel.Billing.Plans;
using Xunit;
using static Keel.Billing.Tests.Billing;

namespace Keel.Billing.Tests;

/// <summary>Every charge model against amounts worked out by hand (April 2026, USD unless named).</summary>
public sealed class ChargeModelTests
{
    [Fact]
    public void Per_unit_charges_each_unit_at_the_unit_price()
    {
        // 7 completed tasks × 0.25 = 1.75
        var invoice = RateApril(Plan(Component(BillableMetrics.TaskCompleted, new PerUnit(0.25m))), Units(BillableMetrics.TaskCompleted, 7));

        var line = invoice.Line("task_completed");
        Assert.Equal(7m, line.Quantity);
        Assert.Equal(0.25m, line.UnitPrice);
        Assert.Equal(1.75m, line.Amount);
        Assert.Equal(1.75m, invoice.Total);
    }

    [Fact]
    public void Per_successful_outcome_counts_only_its_metric()
    {
        // 4 successes × 2.00 = 8.00; the 10 task.completed events are not this component's metric
        var plan = Plan(Component(BillableMetrics.OutcomeSuccess, new PerUnit(2m)));
        var events = Units(BillableMetrics.OutcomeSuccess, 4, "s").Concat(Units(BillableMetrics.TaskCompleted, 10, "t"));

        var invoice = RateApril(plan, events);

        Assert.Equal(8.00m, invoice.Line("outcome_success").Amount);
        Assert.Equal(8.00m, invoice.Total);
    }

    /// <summary>
    /// Charges on a value metric price the summed values, not the event count (each event has quantity 1): the line's
    /// quantity is the sum, its unit price the rate, and its amount is rounded once from the unrounded one, which is kept.
    /// </summary>
    public static TheoryData<string, ChargeKind, decimal, decimal[], decimal, decimal, decimal, decimal> ValueCharges() => new()
    {
        // per dollar recovered: (1,000.00 + 500.00 + 0.50) × 0.02 = 1,500.50 × 0.02 = 30.01
        { BillableMetrics.OutcomeValue, ChargeKind.PerUnit, 0.02m, [1000m, 500m, 0.50m], 1500.50m, 0.02m, 30.01m, 30.01m },
        // 5 % of (1,000.00 + 250.50 + 49.99) = 5 % of 1,300.49 = 65.0245 → 65.02
        { BillableMetrics.OutcomeValue, ChargeKind.Percentage, 5m, [1000m, 250.50m, 49.99m], 1300.49m, 0.05m, 65.0245m, 65.02m },
        // custom metric "invoice.collected", values 200 + 300: 10 % of 500 = 50.00
        { "invoice.collected", ChargeKind.Percentage, 10m, [200m, 300m], 500m, 0.10m, 50m, 50.00m },
        // cost pass-through, 20 % markup: model cost 0.1234 + 0.0567 + 1.5000 = 1.6801; × 1.20 = 2.01612 → 2.02
        { BillableMetrics.ModelCost, ChargeKind.PassThrough, 20m, [0.1234m, 0.0567m, 1.5m], 1.6801m, 1.20m, 2.01612m, 2.02m },
    };

    [Theory]
    [MemberData(nameof(ValueCharges))]
    public void Value_charges_price_the_summed_values(string metric, ChargeKind kind, decimal rate, decimal[] values,
        decimal quantity, decimal unitPrice, decimal unrounded, decimal amount)
    {
        ChargeModel model = kind switch
        {
            ChargeKind.PerUnit => new PerUnit(rate),
            ChargeKind.Percentage => new PercentageOfValue(rate),
            _ => new CostPassThrough(rate),
        };

        var line = RateApril(Plan(Component(metric, model)), Values(metric, values)).Line(metric.Replace('.', '_'));

        Assert.Equal(quantity, line.Quantity);
        Assert.Equal(unitPrice, line.UnitPrice);
        Assert.Equal(unrounded, line.UnroundedAmount);
        Assert.Equal(amount, line.Amount);
    }

    /// <summary>The charge models of <see cref="ValueCharges"/>, named so the theory's rows stay serializable.</summary>
    public enum ChargeKind
    {
        PerUnit,
        Percentage,
        PassThrough,
    }

    [Fact]
    public void Flat_fee_is_charged_for_the_period_whatever_the_usage()
    {
        // 99.00 per month, no events at all → 99.00
        var plan = Plan(new PriceComponent("platform", "Platform fee", "", new Flat(99m)));

        var invoice = RateApril(plan, []);

        var line = invoice.Line("platform");
        Assert.Equal(1m, line.Quantity);
        Assert.Equal(99m, line.UnitPrice);
        Assert.Equal(99.00m, line.Amount);
        Assert.Equal(99.00m, invoice.Total);
    }

    [Fact]
    public void Graduated_tier_flat_fees_are_charged_once_a_tier_is_reached()
    {
        // tiers: ≤10 at 1.00 + 5.00 flat; above at 0.50 + 20.00 flat
        // 0 units → 0; 10 units → 10 × 1.00 + 5 = 15.00; 11 units → 15.00 + 1 × 0.50 + 20 = 35.50
        var plan = Plan(Component(BillableMetrics.TaskStarted, new Graduated([new(10m, 1m, 5m), new(null, 0.5m, 20m)])));

        Assert.Equal(0m, RateApril(plan, []).Total);
        Assert.Equal(15.00m, RateApril(plan, Units(BillableMetrics.TaskStarted, 10)).Total);
        var eleven = RateApril(plan, Units(BillableMetrics.TaskStarted, 11)).Line("task_started");
        Assert.Equal(35.50m, eleven.Amount);
        Assert.Collection(eleven.Tiers,
            t => Assert.Equal((1, 10m, 15m), (t.Tier, t.Quantity, t.Amount)),
            t => Assert.Equal((2, 1m, 20.5m), (t.Tier, t.Quantity, t.Amount)));
    }

    [Fact]
    public void A_negative_unit_price_gives_a_credit_line_rounded_half_away_from_zero()
    {
        // 1 failed task credited at −0.125 → −0.125 → −0.13 (half away from zero, not −0.12)
        var plan = Plan(Component("task.failed", new PerUnit(-0.125m)));

        var invoice = RateApril(plan, Units("task.failed", 1));

        Assert.Equal(-0.125m, invoice.Line("task_failed").UnroundedAmount);
        Assert.Equal(-0.13m, invoice.Total);
    }

    [Fact]
    public void Lines_cover_every_component_with_zero_usage_lines_included()
    {
        var plan = Plan(Component(BillableMetrics.TaskStarted, new PerUnit(1m)), Component(BillableMetrics.OutcomeSuccess, new PerUnit(2m)));

        var invoice = RateApril(plan, Units(BillableMetrics.TaskStarted, 3));

        Assert.Equal(["task_started", "outcome_success"], invoice.Lines.Select(l => l.ComponentId));
        Assert.Equal(0m, invoice.Line("outcome_success").Amount);
        Assert.Equal(3.00m, invoice.Total);
    }
}
