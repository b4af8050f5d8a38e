using Keel.Billing.Plans;
using Xunit;
using static Keel.Billing.Tests.Billing;

namespace Keel.Billing.Tests;

/// <summary>Graduated and volume tiers at, one below and one above each boundary (tiers: ≤100, ≤1,000, above).</summary>
public sealed class TierBoundaryTests
{
    private static readonly PriceTier[] GraduatedTiers = [new(100m, 0.50m), new(1000m, 0.40m), new(null, 0.30m)];

    private static readonly PriceTier[] VolumeTiers = [new(100m, 0.50m), new(1000m, 0.40m, 5m), new(null, 0.30m)];

    [Theory]
    [InlineData(99, "49.50")]    // 99 × 0.50
    [InlineData(100, "50.00")]   // 100 × 0.50
    [InlineData(101, "50.40")]   // 100 × 0.50 + 1 × 0.40
    [InlineData(999, "409.60")]  // 100 × 0.50 + 899 × 0.40 = 50 + 359.60
    [InlineData(1000, "410.00")] // 100 × 0.50 + 900 × 0.40 = 50 + 360
    [InlineData(1001, "410.30")] // 410.00 + 1 × 0.30
    public void Graduated_prices_each_unit_in_its_own_tier(int units, string expected)
    {
        var plan = Plan(Component(BillableMetrics.TaskCompleted, new Graduated(GraduatedTiers)));

        var line = RateApril(plan, Units(BillableMetrics.TaskCompleted, units)).Line("task_completed");

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), line.Amount);
        Assert.Equal(units, line.Tiers.Sum(t => t.Quantity));
    }

    [Theory]
    [InlineData(99, "49.50", 1)]    // 99 × 0.50
    [InlineData(100, "50.00", 1)]   // 100 × 0.50 (exactly at the boundary stays in tier 1)
    [InlineData(101, "45.40", 2)]   // 101 × 0.40 + 5.00 flat = 40.40 + 5
    [InlineData(999, "404.60", 2)]  // 999 × 0.40 + 5 = 399.60 + 5
    [InlineData(1000, "405.00", 2)] // 1,000 × 0.40 + 5
    [InlineData(1001, "300.30", 3)] // 1,001 × 0.30
    public void Volume_prices_all_units_at_the_tier_the_total_lands_in(int units, string expected, int tier)
    {
        var plan = Plan(Component(BillableMetrics.TaskCompleted, new Volume(VolumeTiers)));

        var line = RateApril(plan, Units(BillableMetrics.TaskCompleted, units)).Line("task_completed");

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), line.Amount);
        var applied = Assert.Single(line.Tiers);
        Assert.Equal(tier, applied.Tier);
        Assert.Equal(units, applied.Quantity);
        Assert.Equal(applied.UnitPrice, line.UnitPrice);
    }

    [Fact]
    public void Volume_with_no_usage_charges_nothing_not_even_a_tier_flat_fee()
    {
        var plan = Plan(Component(BillableMetrics.TaskCompleted, new Volume([new(10m, 1m, 7m), new(null, 0.5m)])));

        Assert.Equal(0m, RateApril(plan, []).Total);
    }
}
