using Keel.Billing.Currencies;
using Keel.Billing.Plans;
using Xunit;
using static Keel.Billing.Tests.Billing;

namespace Keel.Billing.Tests;

/// <summary>Minor units and rounding: once per line, half away from zero, for positive and negative amounts.</summary>
public sealed class CurrencyTests
{
    [Theory]
    [InlineData("USD", 2)]
    [InlineData("eur", 2)]
    [InlineData("JPY", 0)]
    [InlineData("KRW", 0)]
    [InlineData("KWD", 3)]
    [InlineData("BHD", 3)]
    [InlineData("TND", 3)]
    public void Minor_units_come_from_ISO_4217(string code, int minorUnits)
    {
        var currency = Currency.Get(code);

        Assert.Equal(minorUnits, currency.MinorUnits);
        Assert.Equal(code.ToUpperInvariant(), currency.Code);
    }

    [Fact]
    public void An_unknown_code_is_refused_with_a_clear_message()
    {
        var error = Assert.Throws<ArgumentException>(() => Currency.Get("XYZ"));

        Assert.Contains("XYZ", error.Message, StringComparison.Ordinal);
        Assert.Contains("ISO 4217", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("USD", "2.345", "2.35")]    // half a cent rounds up, not to even (2.34)
    [InlineData("USD", "-2.345", "-2.35")]  // and a credit rounds down
    [InlineData("USD", "0.125", "0.13")]
    [InlineData("USD", "2.3449", "2.34")]
    [InlineData("JPY", "2.5", "3")]          // half a yen: 3, not 2
    [InlineData("JPY", "-2.5", "-3")]
    [InlineData("KWD", "1.2345", "1.235")]   // half a fils
    [InlineData("KWD", "-1.2345", "-1.235")]
    public void Round_goes_half_away_from_zero_at_the_minor_unit(string code, string amount, string expected)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;

        Assert.Equal(decimal.Parse(expected, invariant), Currency.Get(code).Round(decimal.Parse(amount, invariant)));
    }

    [Theory]
    [InlineData("USD", "10.5", "10.50")]
    [InlineData("JPY", "38.0", "38")]
    [InlineData("KWD", "0.1", "0.100")]
    public void Rounded_amounts_carry_exactly_the_currency_decimals(string code, string amount, string printed)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;

        Assert.Equal(printed, Currency.Get(code).Round(decimal.Parse(amount, invariant)).ToString(invariant));
    }

    [Fact]
    public void Yen_lines_have_no_decimals()
    {
        // 3 tasks × 12.5 JPY = 37.5 → 38 JPY
        var plan = Plan("JPY", Component(BillableMetrics.TaskStarted, new PerUnit(12.5m)));

        var invoice = RateApril(plan, Units(BillableMetrics.TaskStarted, 3));

        Assert.Equal("JPY", invoice.Currency);
        Assert.Equal(37.5m, invoice.Line("task_started").UnroundedAmount);
        Assert.Equal(38m, invoice.Total);
    }

    [Fact]
    public void Dinar_lines_have_three_decimals()
    {
        // 3 tasks × 0.1235 KWD = 0.3705 → 0.371 KWD
        var plan = Plan("KWD", Component(BillableMetrics.TaskStarted, new PerUnit(0.1235m)));

        var invoice = RateApril(plan, Units(BillableMetrics.TaskStarted, 3));

        Assert.Equal(0.3705m, invoice.Line("task_started").UnroundedAmount);
        Assert.Equal(0.371m, invoice.Total);
    }

    [Fact]
    public void Each_line_is_rounded_once_and_the_total_is_the_sum_of_rounded_lines()
    {
        // three lines of 1 × 0.005 = 0.005 → 0.01 each; total 0.03 (rounding the sum 0.015 would give 0.02)
        var plan = Plan(
            Component("a", new PerUnit(0.005m)), Component("b", new PerUnit(0.005m)), Component("c", new PerUnit(0.005m)));
        var events = Units("a", 1, "a").Concat(Units("b", 1, "b")).Concat(Units("c", 1, "c"));

        var invoice = RateApril(plan, events);

        Assert.All(invoice.Lines, l => Assert.Equal((0.005m, 0.01m), (l.UnroundedAmount, l.Amount)));
        Assert.Equal(0.03m, invoice.Total);
    }
}
