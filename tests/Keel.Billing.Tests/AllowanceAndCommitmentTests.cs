using Keel.Billing.Plans;
using Keel.Billing.Rating;
using Xunit;
using static Keel.Billing.Tests.Billing;

namespace Keel.Billing.Tests;

/// <summary>Packages, included quantities, the minimum commitment and the maximum charge (April 2026, USD).</summary>
public sealed class AllowanceAndCommitmentTests
{
    [Theory]
    [InlineData(0, "0")]       // no units, no package
    [InlineData(200, "40.00")] // exactly 2 packages of 100 × 20.00
    [InlineData(201, "60.00")] // one over: ⌈201 / 100⌉ = 3 packages × 20.00
    public void Packages_round_up_to_whole_packages(int units, string expected)
    {
        var plan = Plan(Component(BillableMetrics.TaskStarted, new Package(100m, 20m)));

        var line = RateApril(plan, Units(BillableMetrics.TaskStarted, units)).Line("task_started");

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), line.Amount);
    }

    [Theory]
    [InlineData(50, "0")]     // 50 − 100 included → nothing billable
    [InlineData(100, "0")]    // exactly the allowance
    [InlineData(150, "5.00")] // (150 − 100) × 0.10
    public void Included_quantity_is_free_before_pricing(int units, string expected)
    {
        var plan = Plan(Component(BillableMetrics.TaskCompleted, new PerUnit(0.10m), included: 100m));

        var line = RateApril(plan, Units(BillableMetrics.TaskCompleted, units)).Line("task_completed");

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), line.Amount);
        Assert.Equal(units, line.Quantity);
        Assert.Equal(100m, line.IncludedQuantity);
    }

    [Fact]
    public void Included_quantity_comes_off_before_the_tiers()
    {
        // 250 units, 100 included → 150 billable: 100 × 0.50 + 50 × 0.40 = 70.00
        var plan = Plan(Component(BillableMetrics.TaskCompleted, new Graduated([new(100m, 0.50m), new(null, 0.40m)]), included: 100m));

        Assert.Equal(70.00m, RateApril(plan, Units(BillableMetrics.TaskCompleted, 250)).Total);
    }

    [Fact]
    public void Minimum_commitment_tops_up_charges_that_fall_short()
    {
        // 30 tasks × 1.00 = 30.00 < 100.00 minimum → top-up 70.00, total 100.00
        var plan = Plan(Component(BillableMetrics.TaskStarted, new PerUnit(1m))) with { MinimumCommitment = 100m };

        var invoice = RateApril(plan, Units(BillableMetrics.TaskStarted, 30));

        var topUp = invoice.Line(RatedLine.MinimumCommitmentId);
        Assert.Equal(70.00m, topUp.Amount);
        Assert.Equal(100.00m, invoice.Total);
        Assert.Contains("Minimum commitment", topUp.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Minimum_commitment_adds_nothing_when_charges_exceed_it()
    {
        // 130 tasks × 1.00 = 130.00 ≥ 100.00 → no top-up line
        var plan = Plan(Component(BillableMetrics.TaskStarted, new PerUnit(1m))) with { MinimumCommitment = 100m };

        var invoice = RateApril(plan, Units(BillableMetrics.TaskStarted, 130));

        Assert.DoesNotContain(invoice.Lines, l => l.ComponentId == RatedLine.MinimumCommitmentId);
        Assert.Equal(130.00m, invoice.Total);
    }

    [Fact]
    public void Maximum_charge_caps_the_period_with_a_negative_line()
    {
        // 620 tasks × 1.00 = 620.00 > 500.00 maximum → cap line −120.00, total 500.00
        var plan = Plan(Component(BillableMetrics.TaskStarted, new PerUnit(1m))) with { MaximumCharge = 500m };

        var invoice = RateApril(plan, Units(BillableMetrics.TaskStarted, 620));

        Assert.Equal(-120.00m, invoice.Line(RatedLine.MaximumChargeId).Amount);
        Assert.Equal(500.00m, invoice.Total);
    }

    [Fact]
    public void Maximum_charge_adds_nothing_below_the_cap()
    {
        // 400 × 1.00 = 400.00 ≤ 500.00
        var plan = Plan(Component(BillableMetrics.TaskStarted, new PerUnit(1m))) with { MaximumCharge = 500m };

        var invoice = RateApril(plan, Units(BillableMetrics.TaskStarted, 400));

        Assert.Single(invoice.Lines);
        Assert.Equal(400.00m, invoice.Total);
    }
}
